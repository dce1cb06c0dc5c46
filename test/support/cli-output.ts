import { Writable } from 'node:stream';

/** A stream that keeps everything written to it: a CLI command's stdout or stderr in a test. */
export function captureStream(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  return { stream, text: () => text };
}

/** stdout and stderr for `main(args, { stdout, stderr, env })`, and what each has received so far. */
export function captureCliOutput(): { stdout: Writable; stderr: Writable; out: () => string; err: () => string } {
  const stdout = captureStream();
  const stderr = captureStream();
  return { stdout: stdout.stream, stderr: stderr.stream, out: stdout.text, err: stderr.text };
}
