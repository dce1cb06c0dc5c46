// Preload: filled in by the desktop-app issue.
export {};
