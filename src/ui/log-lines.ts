import type { LogLine } from '../aws/logs.js';
import type { TailNotice } from '../services/tail.js';
import { formatDuration } from '../core/duration.js';
import type { ExecutionRecord } from '../core/execution.js';
import { streamEvent } from './json-envelope.js';

/**
 * The final line for a record: status, exit code, duration and cost. The duration runs from the task's
 * start, or from the record's creation when it never started, unless `durationFrom` is `started`.
 */
export function recordSummary(
  record: ExecutionRecord,
  options: { durationFrom?: 'started' | 'created' } = {},
): string {
  const start =
    options.durationFrom === 'started' ? record.startedAt : (record.startedAt ?? record.createdAt);
  const duration =
    start && record.stoppedAt
      ? ` in ${formatDuration(Date.parse(record.stoppedAt) - Date.parse(start))}`
      : '';
  const exit = record.exitCode === null || record.exitCode === undefined ? '' : ` exit ${record.exitCode}`;
  const cost =
    record.costStatus === undefined
      ? ''
      : record.costStatus === 'unavailable'
        ? `, cost unavailable (${record.costReason ?? 'unknown'})`
        : `, cost $${(record.cost ?? 0).toFixed(4)} (${record.costStatus})`;
  return `${record.status}${exit}${duration}${cost}`;
}

/** Log lines as plain text, one per line, exactly as the program wrote them. */
export function textLogLines(lines: readonly LogLine[]): string {
  let out = '';
  for (const line of lines) out += `${line.message}\n`;
  return out;
}

/**
 * A log line as an NDJSON event (schemas/event.schema.json): its `time` is when the program wrote it,
 * `ingestionTime` when CloudWatch Logs took it in, `id` the execution's.
 */
export function logEvent(line: LogLine, id?: string) {
  return streamEvent(
    'log',
    {
      ...(id === undefined ? {} : { id }),
      message: line.message,
      ...(line.ingestionTime === undefined
        ? {}
        : { ingestionTime: new Date(line.ingestionTime).toISOString() }),
    },
    new Date(line.timestamp),
  );
}

export type LogFormat = 'text' | 'json' | 'csv';

/** One line of output in the chosen format, with its newline. */
export function formatLine(line: LogLine, format: LogFormat, timestamps: boolean, id?: string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(logEvent(line, id))}\n`;
    case 'csv':
      return `${new Date(line.timestamp).toISOString()},${csvField(line.message)}\n`;
    default:
      return timestamps ? `${new Date(line.timestamp).toISOString()} ${line.message}\n` : `${line.message}\n`;
  }
}

export const CSV_HEADER = 'timestamp,message\n';

/** RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A page of lines as one string, so that a page costs one write. */
export function formatPage(
  lines: readonly LogLine[],
  format: LogFormat,
  timestamps: boolean,
  id?: string,
): string {
  let out = '';
  for (const line of lines) out += formatLine(line, format, timestamps, id);
  return out;
}

/** Writes to stdout and waits when it is full, so that a fast log never piles up in memory. */
export async function writeOut(text: string): Promise<void> {
  if (text === '' || process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('close', done);
    process.stdout.once('error', done);
  });
}

type RetryNotice = Extract<TailNotice, { kind: 'retry' }>;

/**
 * What a plain (non-TTY) reader is told about a failed log read. One failure is usually a blip and is
 * shown only under --debug; from the second in a row the reader should know why nothing is coming.
 */
export function retryNoticeLine(notice: RetryNotice, debug: boolean): string | undefined {
  if (!debug && notice.attempt < 2) return undefined;
  const what = notice.throttled
    ? 'CloudWatch Logs is throttling the reads'
    : `Reading the log failed: ${notice.error}`;
  return `${what}. Retrying in ${retryDelay(notice.delayMs)} (attempt ${notice.attempt}); it resumes where it stopped, so no line is lost or repeated.`;
}

/** A retry delay as people read it: seconds, to a tenth. */
export function retryDelay(ms: number): string {
  return `${Math.ceil(ms / 100) / 10}s`;
}
