/** The fake upstream in its own process for the benchmark (run through tsx; its CPU is reported, not judged). */
import { startFakeUpstream } from '../test/fake-github/index.js';

const fake = await startFakeUpstream();
process.on('message', (message: { cmd?: string; knobs?: Partial<typeof fake.knobs> }) => {
  if (message.cmd === 'stats') process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (message.cmd === 'knobs') Object.assign(fake.knobs, message.knobs);
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, url: fake.url, capiUrl: fake.capiUrl, token: fake.defaultToken });
