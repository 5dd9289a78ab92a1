import { createInterface } from 'node:readline/promises';
import { ExitCode, RunvoyError } from '../core/errors.js';

// Callers ask only where `OutputMode.prompts` (output-mode.ts) says a question can be answered.

/**
 * Ctrl-C at a prompt (or the command's interrupt signal while it asks): exit 130, nothing done. Commands
 * that have something to clean up catch it; others let it reach the error handler.
 */
export class PromptInterrupted extends RunvoyError {
  constructor() {
    super({
      what: 'Interrupted (Ctrl-C) at the prompt: nothing was changed.',
      exitCode: ExitCode.Interrupted,
      code: 'INTERRUPTED',
    });
    this.name = 'PromptInterrupted';
  }
}

export interface PromptOptions {
  /** Aborting it interrupts the question as Ctrl-C does. */
  signal?: AbortSignal;
}

async function ask(question: string, options: PromptOptions = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // In a terminal, readline reads Ctrl-C as a key (raw mode): no SIGINT reaches the process.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  rl.on('SIGINT', onInterrupt);
  options.signal?.addEventListener('abort', onInterrupt, { once: true });
  if (options.signal?.aborted) interrupt.abort();
  // End of input (Ctrl-D, a closed stdin) answers nothing, which is "no".
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  const asked = rl.question(question, { signal: interrupt.signal });
  // Once the input has closed, the question may still reject: nobody waits for it then.
  asked.catch(() => undefined);
  try {
    const answer = await Promise.race([asked, closed]);
    if (answer === undefined) process.stderr.write('\n');
    return (answer ?? '').trim();
  } catch (error) {
    if (interrupt.signal.aborted) {
      process.stderr.write('\n');
      throw new PromptInterrupted();
    }
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onInterrupt);
    rl.close();
  }
}

/** y/N question on stderr; anything but y or yes is no. Ctrl-C throws PromptInterrupted. */
export async function confirm(question: string, options?: PromptOptions): Promise<boolean> {
  return /^(y|yes)$/i.test(await ask(`${question} [y/N] `, options));
}

/** Asks the user to type a word (a stack name) to confirm something destructive. */
export async function confirmByTyping(
  question: string,
  expected: string,
  options?: PromptOptions,
): Promise<boolean> {
  return (await ask(`${question}\nType "${expected}" to confirm: `, options)) === expected;
}
