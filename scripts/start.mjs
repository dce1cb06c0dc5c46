// `npm start`: the tray app where Electron can run; otherwise one line saying why, then the headless
// server — which, for a newcomer at a terminal who is not signed in yet, signs in right there first
// (`serve --login`); without a terminal it says in one line what to run and exits non-zero.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findDisplay, findElectronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const electron = findElectronBinary();
const display = findDisplay();
const desktop = electron.ok && display.ok;
const [command, args] = desktop
  ? [electron.path, ['.', ...process.argv.slice(2)]]
  : [process.execPath, ['bin/copilot-relay.js', 'serve', '--login', ...process.argv.slice(2)]];
if (!desktop) {
  console.error(`Electron can't start here: ${electron.ok ? display.reason : electron.reason}; running the headless proxy instead.`);
}
// stdin is inherited: the headless server can tell whether a person is there to sign in.
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
