/**
 * Starts the fake GitHub + Copilot upstream for manual use:
 *   npx tsx test/fake-github/cli.ts [--port N]
 * Prints where to point the relay. The default account's token is never printed: the device flow
 * approves `octocat` automatically, so `copilot-relay login` against the fake just works.
 */
import { parseArgs } from 'node:util';
import { startFakeUpstream } from './index.js';

const { values } = parseArgs({ options: { port: { type: 'string' } }, allowPositionals: false });
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${String(values.port)}`);
  process.exit(2);
}

const fake = await startFakeUpstream({ port, deviceInterval: 1 });
const env = `COPILOT_RELAY_GITHUB_URL=${fake.url} COPILOT_RELAY_GITHUB_API_URL=${fake.url}`;
console.log(`Fake GitHub + Copilot upstream on ${fake.url} (Copilot API at ${fake.capiUrl})`);
console.log('Sign in against it (the device flow approves automatically as octocat):');
console.log(`  ${env} copilot-relay login`);
console.log(`  ${env} copilot-relay serve`);
console.log('Ctrl-C to stop.');

const stop = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
