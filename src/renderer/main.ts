// Renderer: filled in by the desktop-app issue.
export {};
