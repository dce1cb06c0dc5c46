// Electron main entry: composed in the desktop-app issue.
export {};
