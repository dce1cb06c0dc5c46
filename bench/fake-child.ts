/** The fake upstream in its own process for the benchmark (run through tsx; its CPU is reported, not judged). */
import { startFakeUpstream } from '../test/fake-github/index.js';

const fake = await startFakeUpstream();
process.on('message', (message: { cmd?: string }) => {
  if (message.cmd === 'stats') process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, url: fake.url, capiUrl: fake.capiUrl, token: fake.defaultToken });
