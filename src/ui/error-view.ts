import type { RunvoyError } from '../core/errors.js';
import type { Style } from './style.js';

/** The human form of an error: what happened, why, and what to do. */
export function formatError(error: RunvoyError, paint: (style: Style, text: string) => string): string {
  const lines = [`${paint('red', paint('bold', 'Error:'))} ${error.what}`];
  if (error.why) lines.push(...indent('Why:', error.why));
  if (error.fix) lines.push(...indent('Fix:', error.fix));
  return lines.join('\n');
}

function indent(label: string, text: string): string[] {
  const [first = '', ...rest] = text.split('\n');
  return [`  ${label} ${first}`, ...rest.map((line) => `       ${line}`)];
}
