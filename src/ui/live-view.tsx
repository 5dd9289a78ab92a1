import chalk from 'chalk';
import { Box, Static, Text, useInput, type Instance } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import type { LogLine } from '../aws/logs.js';
import { costSoFar } from '../core/cost.js';
import { formatDuration } from '../core/duration.js';
import type { ExecutionRecord } from '../core/execution.js';
import { displayCommand } from '../core/shell-quote.js';
import { isTerminal } from '../core/status.js';
import type { TailNotice } from '../services/tail.js';
import { retryDelay } from './log-lines.js';
import { mountInk } from './ink-mount.js';
import type { OutputMode } from './output-mode.js';

/* eslint-disable no-control-regex -- these expressions are about control characters */
/**
 * Keeps SGR colour sequences (ESC [ ... m), unless colour is off, and drops every other control
 * sequence and character.
 */
export function sanitizeLine(text: string, colour = true): string {
  if (!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return text;
  return text
    .replace(
      /\u001b\[[0-9;:]*m|\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]/g,
      (seq) => (colour && /^\u001b\[[0-9;:]*m$/.test(seq) ? seq : ''),
    )
    .replace(/[\u0000-\u0008\u000a-\u001a\u001c-\u001f\u007f]/g, '');
}
/* eslint-enable no-control-regex */

export type FooterMode = 'keys' | 'confirm-kill' | 'killing' | 'detaching' | 'done';

interface Batch {
  id: number;
  lines: LogLine[] | undefined;
}

/** The state behind the view; the command pushes into it, the components read it. */
export class LiveViewStore {
  record: ExecutionRecord;
  batches: Batch[] = [];
  timestamps = false;
  mode: FooterMode = 'keys';
  notice: string | undefined;
  summary: string | undefined;
  now: number;
  private version = 0;
  private nextBatch = 0;
  private readonly listeners = new Set<() => void>();

  constructor(record: ExecutionRecord, now = Date.now()) {
    this.record = record;
    this.now = now;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  /** A notice that the next lines make obsolete (waiting for the stream, retrying). */
  private transient = false;

  lines(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    if (this.transient) {
      this.notice = undefined;
      this.transient = false;
    }
    this.batches = [...this.batches, { id: this.nextBatch++, lines: [...lines] }];
    this.changed();
  }

  status(record: ExecutionRecord): void {
    this.record = record;
    this.changed();
  }

  setMode(mode: FooterMode): void {
    this.mode = mode;
    this.changed();
  }

  setNotice(notice: string | undefined, transient = false): void {
    this.notice = notice;
    this.transient = transient;
    this.changed();
  }

  toggleTimestamps(): void {
    this.timestamps = !this.timestamps;
    this.changed();
  }

  tick(now = Date.now()): void {
    this.now = now;
    this.changed();
  }

  finish(summary: string): void {
    this.summary = summary;
    this.mode = 'done';
    this.changed();
  }
}

function statusColour(status: string): 'green' | 'red' | 'yellow' | 'cyan' {
  if (status === 'SUCCEEDED') return 'green';
  if (['FAILED', 'TIMED_OUT', 'LOST', 'STOPPED'].includes(status)) return 'red';
  if (status === 'RUNNING') return 'cyan';
  return 'yellow';
}

/** The cost of the run so far, from its billing start (or its creation, as an estimate). */
export function liveCost(record: ExecutionRecord, now: number): string {
  const started = record.pullStartedAt ?? record.startedAt;
  const inferred = !started && record.status !== 'PENDING';
  const cost = costSoFar(started ?? (inferred ? record.createdAt : undefined), record.stoppedAt ?? now, {
    cpu: record.cpu,
    memory: record.memory,
    arch: record.arch,
    region: record.region,
    spot: record.capacityProvider === 'FARGATE_SPOT',
    ephemeralStorageGiB: record.ephemeralStorageGiB,
    startInferred: inferred,
  });
  return cost.amount === undefined ? 'n/a' : `~${cost.display}`;
}

export function Header({ record, now }: { record: ExecutionRecord; now: number }) {
  const since = record.startedAt ?? record.createdAt;
  const end = record.stoppedAt ? Date.parse(record.stoppedAt) : now;
  const spot = record.capacityProvider === 'FARGATE_SPOT' ? ', Spot' : record.spot ? ', Spot requested' : '';
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
      <Text>
        <Text bold>{record.id}</Text> <Text color={statusColour(record.status)}>{record.status}</Text>
        {'  '}
        <Text dimColor>elapsed</Text> {formatDuration(end - Date.parse(since))}
        {'  '}
        <Text dimColor>cost so far</Text> {liveCost(record, now)}
      </Text>
      <Text>
        <Text dimColor>image</Text> {record.image}
        {'  '}
        <Text dimColor>lock</Text>{' '}
        {record.lockName ? `${record.lockName} (fence ${record.fence ?? '?'})` : 'none'}
      </Text>
      <Text>
        <Text dimColor>size</Text> {record.cpu} CPU, {record.memory} MiB, {record.arch}
        {spot}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>command</Text>{' '}
        {sanitizeLine(displayCommand(record.command, record.shell).replaceAll('\n', '\\n')) ||
          "(the image's own)"}
      </Text>
    </Box>
  );
}

export function formatLogLine(line: LogLine, timestamps: boolean): string {
  // chalk's level is the colour decision (applyInkColour): 0 when colour is off.
  const text = sanitizeLine(line.message, chalk.level > 0);
  return timestamps ? `${chalk.dim(new Date(line.timestamp).toISOString())} ${text}` : text;
}

/** Log lines, each rendered once (Static): a long log costs nothing to redraw. */
export function LogLines({ batches, timestamps }: { batches: Batch[]; timestamps: boolean }) {
  return (
    <Static items={batches}>
      {(batch) => {
        const text = (batch.lines ?? []).map((line) => formatLogLine(line, timestamps)).join('\n');
        // Rendered once: the lines are not needed any more.
        batch.lines = undefined;
        return <Text key={batch.id}>{text}</Text>;
      }}
    </Static>
  );
}

export function Footer({
  mode,
  timestamps,
  notice,
}: {
  mode: FooterMode;
  timestamps: boolean;
  notice?: string;
}) {
  if (mode === 'done') return null;
  return (
    <Box flexDirection="column">
      {notice ? <Text color="yellow">{notice}</Text> : null}
      {mode === 'confirm-kill' ? (
        <Text color="red" bold>
          Stop the task? y/n
        </Text>
      ) : mode === 'killing' ? (
        <Text color="red">Stopping the task…</Text>
      ) : mode === 'detaching' ? (
        <Text dimColor>Detaching…</Text>
      ) : (
        <Text dimColor>d/ctrl-c detach · k kill · t timestamps {timestamps ? 'off' : 'on'}</Text>
      )}
    </Box>
  );
}

export interface LiveViewProps {
  store: LiveViewStore;
  onDetach(): void;
  onKill(): void;
}

export function LiveView({ store, onDetach, onKill }: LiveViewProps) {
  useSyncExternalStore(store.subscribe, store.snapshot);
  useInput((input, key) => {
    if (store.mode === 'done' || store.mode === 'detaching') return;
    if (store.mode === 'confirm-kill') {
      if (input === 'y' || input === 'Y') {
        store.setMode('killing');
        onKill();
      } else if (input === 'n' || input === 'N' || key.escape || (key.ctrl && input === 'c')) {
        store.setMode('keys');
      }
      return;
    }
    if (input === 'd' || (key.ctrl && input === 'c')) {
      store.setMode('detaching');
      onDetach();
    } else if (input === 'k' && store.mode === 'keys' && !isTerminal(store.record.status)) {
      store.setMode('confirm-kill');
    } else if (input === 't') {
      store.toggleTimestamps();
    }
  });
  return (
    <Box flexDirection="column">
      <LogLines batches={store.batches} timestamps={store.timestamps} />
      <Header record={store.record} now={store.now} />
      <Footer mode={store.mode} timestamps={store.timestamps} notice={store.notice} />
      {store.summary ? <Text color={statusColour(store.record.status)}>{store.summary}</Text> : null}
    </Box>
  );
}

/** Re-renders the elapsed time and the cost once a second. */
function Ticker({ store }: { store: LiveViewStore }) {
  useEffect(() => {
    const timer = setInterval(() => store.tick(), 1000);
    return () => clearInterval(timer);
  }, [store]);
  return null;
}

export interface LiveViewHandle {
  store: LiveViewStore;
  lines(lines: readonly LogLine[]): void;
  status(record: ExecutionRecord): void;
  notice(text: string | undefined): void;
  /** Shows what the tail engine is waiting for, until the next lines arrive. */
  tailNotice(notice: TailNotice): void;
  /** Shows the summary line, then unmounts. */
  finish(summary: string): Promise<void>;
  /** Unmounts without a summary (detach). */
  close(): Promise<void>;
}

/** Mounts the live view on a terminal; keys go to `onDetach` and `onKill` (after y). */
export function startLiveView(options: {
  record: ExecutionRecord;
  /** The decision of output-mode.ts: its colour for stdout. */
  output: Pick<OutputMode, 'colour'>;
  onDetach(): void;
  onKill(): void;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}): LiveViewHandle {
  const store = new LiveViewStore(options.record);
  const instance: Instance = mountInk(
    <>
      <Ticker store={store} />
      <LiveView store={store} onDetach={options.onDetach} onKill={options.onKill} />
    </>,
    { output: options.output, on: 'stdout', stream: options.stdout, stdin: options.stdin ?? process.stdin },
  );
  const unmount = async () => {
    // Let the last lines and the summary render before unmounting.
    await new Promise((resolve) => setTimeout(resolve, 50));
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
  };
  return {
    store,
    lines: (lines) => store.lines(lines),
    status: (record) => store.status(record),
    notice: (text) => store.setNotice(text),
    tailNotice: (notice) => {
      if (notice.kind === 'waiting-for-stream') {
        store.setNotice('Waiting for the first line: the log stream does not exist yet.', true);
      } else if (notice.kind === 'retry') {
        store.setNotice(
          `${notice.throttled ? 'Throttled' : 'Log read failed'}; retrying in ${retryDelay(notice.delayMs)}.`,
          true,
        );
      }
    },
    finish: async (summary) => {
      store.finish(summary);
      await unmount();
    },
    close: async () => {
      store.setMode('done');
      await unmount();
    },
  };
}
