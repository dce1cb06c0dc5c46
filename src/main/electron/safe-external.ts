/**
 * Only https links to the GitHub host we signed in against may leave the app (device flow page).
 * Parsed with URL and compared exactly: `startsWith` checks are bypassable (github.com.evil.test).
 */
export function isAllowedExternalUrl(candidate: string, githubUrl: string): boolean {
  let url: URL;
  let github: URL;
  try {
    url = new URL(candidate);
    github = new URL(githubUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return url.host === github.host;
}
