import { createInterface } from 'node:readline/promises';
import { outputMode } from './output-mode.js';

/** A terminal to ask in, and not CI (see output-mode.ts). */
export function canPrompt(): boolean {
  return outputMode().prompts;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** y/N question on stderr; anything but y or yes is no. */
export async function confirm(question: string): Promise<boolean> {
  return /^(y|yes)$/i.test(await ask(`${question} [y/N] `));
}

/** Asks the user to type a word (a stack name) to confirm something destructive. */
export async function confirmByTyping(question: string, expected: string): Promise<boolean> {
  return (await ask(`${question}\nType "${expected}" to confirm: `)) === expected;
}
