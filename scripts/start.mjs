// `npm start`: the tray app where Electron can run; otherwise one line saying why, then the headless server.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findDisplay, findElectronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const electron = findElectronBinary();
const display = findDisplay();
const [command, args] = electron.ok && display.ok
  ? [electron.path, ['.', ...process.argv.slice(2)]]
  : [process.execPath, ['bin/copilot-relay.js', 'serve', ...process.argv.slice(2)]];
if (!electron.ok || !display.ok) {
  console.error(`Electron can't start here: ${electron.ok ? display.reason : electron.reason}; running the headless proxy instead.`);
}
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
