import type { SignInPrompt } from '../../../shared/status.js';
import { RelayError } from '../errors.js';

/** One device-flow sign-in at a time: its prompt (the user code) while it waits, and its cancel. */
export class SignInFlow {
  prompt: SignInPrompt | null = null;
  private abort: AbortController | null = null;

  constructor(private readonly onChange: () => void) {}

  /** Runs `task` as the current sign-in, cancelling one already running. */
  async run<T>(task: (signal: AbortSignal, onPrompt: (prompt: SignInPrompt) => void) => Promise<T>): Promise<T> {
    this.cancel();
    const abort = new AbortController();
    this.abort = abort;
    try {
      return await task(abort.signal, (prompt) => {
        if (this.abort !== abort) return;
        this.prompt = prompt;
        this.onChange();
      });
    } finally {
      // A newer sign-in may have replaced this one: leave its prompt alone.
      if (this.abort === abort) {
        this.abort = null;
        this.prompt = null;
        this.onChange();
      }
    }
  }

  /** Cancels the running sign-in (its promise rejects with kind `cancelled`). */
  cancel(): void {
    const abort = this.abort;
    this.abort = null;
    if (!abort) return;
    abort.abort(new RelayError('cancelled', 'Sign-in cancelled.'));
    this.prompt = null;
    this.onChange();
  }
}
