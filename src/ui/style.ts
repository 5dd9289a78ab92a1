import { colourFor } from './output-mode.js';

/** Whether colour goes to a stream: the decision of `output-mode.ts`, kept here for existing callers. */
export function colorEnabled(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  return colourFor(stream, env);
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof CODES;

/** Minimal ANSI styling; `enabled` comes from `outputMode().colour`. */
export function stylist(enabled: boolean) {
  return (style: Style, text: string): string => {
    if (!enabled) return text;
    const [open, close] = CODES[style];
    return `\u001B[${open}m${text}\u001B[${close}m`;
  };
}
