/** Minimal ANSI styling that follows NO_COLOR, FORCE_COLOR and whether the stream is a TTY. */
export function colorEnabled(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  // As supports-color (chalk) reads it: '0' and 'false' turn colour off, any other value (even '') on.
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR);
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
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

export function stylist(enabled: boolean) {
  return (style: Style, text: string): string => {
    if (!enabled) return text;
    const [open, close] = CODES[style];
    return `\u001B[${open}m${text}\u001B[${close}m`;
  };
}
