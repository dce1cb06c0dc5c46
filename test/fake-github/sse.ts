import type { Reply } from './http-util.js';
import type { FakeState } from './state.js';

export interface Frame {
  /** Full SSE frame text, ending with a blank line. */
  text: string;
  /** Content frames are spaced by `streamIntervalMs`. */
  content?: boolean;
}

export const dataFrame = (payload: unknown, content = false): Frame => ({ text: `data: ${JSON.stringify(payload)}\n\n`, content });
export const eventFrame = (event: string, payload: unknown, content = false): Frame => ({
  text: `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`,
  content,
});

/** Streams frames honouring the stream knobs: interval, malformed line, reset after the first frame. */
export async function streamFrames(state: FakeState, reply: Reply, frames: Frame[]): Promise<void> {
  const { knobs } = state;
  reply.startSse();
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (i > 0 && frame.content) await reply.wait(knobs.streamIntervalMs);
    if (!reply.write(frame.text)) return;
    if (i === 0) {
      if (knobs.resetMidStream) {
        // Give the first chunk a moment to leave before the connection drops.
        await reply.wait(5);
        return reply.destroy();
      }
      if (knobs.malformedSse && !reply.write('data: {not json\n\n')) return;
    }
  }
  reply.end();
}
