import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { LogLine } from '../aws/logs.js';
import type { ExecutionRecord } from '../core/execution.js';
import type { TailNotice } from '../services/tail.js';
import type { LiveViewHandle } from './live-view.js';
import { retryNoticeLine } from './log-lines.js';
import { statusFields } from './run-lines.js';

/**
 * What an attach session (ui/attach-session.ts) shows while it follows an execution. Three forms: the
 * Ink live view in a terminal, plain lines (log on stdout or a file, the rest on stderr) and NDJSON events
 * for --json (docs/json.md).
 */
export interface AttachView {
  /** Log lines, in order; resolves once written, so that a slow reader slows the reading. */
  lines(lines: readonly LogLine[]): void | Promise<void>;
  status(record: ExecutionRecord): void;
  notice(notice: TailNotice): void;
  warning(message: string): void;
  /** A slow AWS call; undefined: it goes to stderr, as for every command. */
  awsWaiting?(text: string): void;
  /** The task stopped: the final record and its summary, after the last log line. */
  finished(record: ExecutionRecord, summary: string): Promise<void>;
  /** The user let go: the task keeps running; `message` says how to get back to it. */
  detached(record: ExecutionRecord, message: string): Promise<void>;
  /** The session failed: leave the terminal as it was. */
  close(): Promise<void>;
}

/** Writes with back-pressure: waits for the output to drain, so nothing piles up in memory. */
export async function writeWithBackPressure(out: Writable, text: string, signal: AbortSignal): Promise<void> {
  if (text === '' || signal.aborted) return;
  if (out.write(text)) return;
  try {
    await once(out, 'drain', { signal });
  } catch {
    // Aborted (detached, or the reader went away).
  }
}

/** The reader of stdout went away (`| head`): abort, quietly. Returns what undoes it. */
export function abortOnClosedPipe(controller: AbortController): () => void {
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') controller.abort();
  };
  process.stdout.on('error', onError);
  return () => process.stdout.off('error', onError);
}

interface StreamOptions {
  /** Where the log lines go: stdout, or the file of `logs --output`. */
  out: Writable;
  /** Log lines as the text to write (text, csv, NDJSON log events). */
  format(lines: readonly LogLine[]): string;
  /** Aborted when the session ends: a blocked write gives up. */
  signal: AbortSignal;
}

/** Plain lines, for pipes and CI: the log on `out`, status, notices and the summary on stderr. */
export function plainView(options: StreamOptions & { note(text: string): void; debug: boolean }): AttachView {
  const { note } = options;
  return {
    lines: (lines) => writeWithBackPressure(options.out, options.format(lines), options.signal),
    status: (record) => note(`Status: ${record.status}`),
    notice: (notice) => {
      const line = notice.kind === 'retry' && retryNoticeLine(notice, options.debug);
      if (line) note(line);
    },
    warning: (message) => note(`Warning: ${message}`),
    finished: async (_record, summary) => note(summary),
    detached: async (_record, message) => note(message),
    close: async () => undefined,
  };
}

/** NDJSON events on stdout (schemas/event.schema.json); the command's result event ends the stream. */
export function ndjsonView(
  options: StreamOptions & { emit(type: string, fields: object): void },
): AttachView {
  const { emit } = options;
  return {
    lines: (lines) => writeWithBackPressure(options.out, options.format(lines), options.signal),
    status: (record) => emit('status', statusFields(record)),
    notice: (notice) => {
      if (notice.kind === 'waiting-for-stream') {
        emit('notice', { kind: notice.kind, message: 'The log stream does not exist yet.' });
      } else if (notice.kind === 'retry') {
        emit('notice', { kind: notice.kind, message: `Reading the log failed: ${notice.error}; retrying.` });
      }
    },
    warning: (message) => emit('warning', { message }),
    finished: async (record) => emit('status', statusFields(record)),
    detached: async (record) => emit('detached', { id: record.id, status: record.status }),
    close: async () => undefined,
  };
}

/** The Ink live view (ui/live-view.tsx); what it cannot show goes to stderr once it is gone. */
export function inkView(live: LiveViewHandle, note: (text: string) => void): AttachView {
  return {
    lines: (lines) => live.lines(lines),
    status: (record) => live.status(record),
    notice: (notice) => live.tailNotice(notice),
    warning: (message) => live.notice(`Warning: ${message}`),
    awsWaiting: (text) => live.notice(text),
    finished: async (record, summary) => {
      live.status(record);
      await live.finish(summary);
    },
    detached: async (_record, message) => {
      await live.close();
      note(message);
    },
    close: () => live.close(),
  };
}
