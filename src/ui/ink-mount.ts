import chalk from 'chalk';
import { render, type Instance } from 'ink';
import type { ReactNode } from 'react';
import { applyInkColour, type OutputMode } from './output-mode.js';

/**
 * How both Ink views mount (the live view of `run` and `logs --follow` on stdout, `init`'s stack progress on
 * stderr): with the colour that output-mode.ts decided for that stream, Ctrl-C left to the command (it
 * detaches or cleans up), and console.log not patched.
 */
export function mountInk(
  element: ReactNode,
  options: {
    output: Pick<OutputMode, 'colour'>;
    on: 'stdout' | 'stderr';
    stream?: NodeJS.WriteStream;
    stdin?: NodeJS.ReadStream;
  },
): Instance {
  applyInkColour(chalk, options.output.colour[options.on]);
  return render(element, {
    stdout: options.stream ?? process[options.on],
    ...(options.stdin ? { stdin: options.stdin } : {}),
    exitOnCtrlC: false,
    patchConsole: false,
  });
}
