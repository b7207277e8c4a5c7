/** Every identifier Wirelens shares with VS Code (package.json declares the same strings). */
export const CAPTURE_VIEW_TYPE = 'wirelens.capture';
export const Commands = {
  followTcpStream: 'wirelens.followTcpStream',
  followHttpStream: 'wirelens.followHttpStream',
} as const;
export const SETTINGS_SECTION = 'wirelens';
