import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  getLogEventsPage,
  isMissingStream,
  isThrottle,
  isTransient,
  startLiveTail,
  type LiveTailSession,
  type LogLine,
  type LogPage,
} from '../aws/logs.js';
import { endpointFromEnv } from '../aws/clients.js';

export interface TailSource {
  logs: CloudWatchLogsClient;
  logGroupName: string;
  logStreamName: string;
  /** For StartLiveTail; without it the engine only polls. */
  logGroupArn?: string;
}

export interface TailTiming {
  /** First idle poll after the end of the stream; doubles up to `maxPollMs` while nothing comes. */
  minPollMs: number;
  maxPollMs: number;
  /** The longest idle poll while a live tail session rings the bell on new lines. */
  liveTailPollMs: number;
  /** First backoff after a throttle or network error; doubles up to `maxBackoffMs`, with jitter. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Consecutive failed calls before the engine gives up and throws the last error. */
  maxFailures: number;
  /** And the longest it keeps retrying without a read that worked (aws.timeout). */
  giveUpAfterMs: number;
  /** After the task stops, wait this long for awslogs to flush, then drain once more. */
  drainGraceMs: number;
}

export const DEFAULT_TIMING: TailTiming = {
  minPollMs: 150,
  maxPollMs: 1000,
  liveTailPollMs: 5000,
  baseBackoffMs: 250,
  maxBackoffMs: 10_000,
  maxFailures: 12,
  giveUpAfterMs: 60_000,
  drainGraceMs: 1500,
};

export type TailNotice =
  | { kind: 'waiting-for-stream' }
  /** Not following, and the stream does not exist: the container wrote nothing (or not yet). */
  | { kind: 'no-stream' }
  | { kind: 'retry'; error: string; throttled: boolean; attempt: number; delayMs: number }
  | { kind: 'live-tail'; active: boolean; reason?: string }
  | { kind: 'draining' };

export interface TailOptions {
  follow: boolean;
  startTime?: number;
  endTime?: number;
  /** Start with the newest N lines instead of the oldest. */
  tail?: number;
  /** Following: whether the task has stopped. Once it has, the engine drains the stream once more and ends. */
  isStopped?: () => boolean | Promise<boolean>;
  /** Ends the tail at once (detach). */
  signal?: AbortSignal;
  /** Try StartLiveTail as a doorbell while following (default true). */
  liveTail?: boolean;
  timing?: Partial<TailTiming>;
  onNotice?: (notice: TailNotice) => void;
}

type Outcome = { page: LogPage } | { error: unknown };

/** Endpoints that answered StartLiveTail with an error: polled for the rest of the process. */
const liveTailUnsupported = new Set<string>();

export function liveTailKnownUnsupported(): boolean {
  return liveTailUnsupported.has(endpointKey());
}

function endpointKey(): string {
  return endpointFromEnv('CloudWatchLogs') ?? 'aws';
}

/** A sleep that ends early on abort or when the doorbell rings. */
class Bell {
  private wake: (() => void) | undefined;
  private rang = false;

  ring(): void {
    this.rang = true;
    this.wake?.();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.rang || signal?.aborted) {
      this.rang = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.rang = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      this.wake = done;
    });
  }
}

/**
 * Reads one CloudWatch Logs stream, yielding pages of lines in order, each line exactly once.
 *
 * - It follows GetLogEvents forward tokens: a token names a position, so a retry from the same token
 *   can neither skip nor repeat a line. The end of the stream is the token coming back unchanged.
 * - A missing stream is normal at first (awslogs makes it on the first write): following, it waits.
 * - Throttling, server and network errors back off (exponential, jittered) and resume from the token.
 * - While lines flow the next page is fetched as soon as the previous one arrives (and while it is
 *   written); when idle it polls at `minPollMs`, slowing down to `maxPollMs`.
 * - After `isStopped()` turns true it waits `drainGraceMs` and drains the stream once more, then ends.
 * - Following, it tries StartLiveTail as a doorbell that wakes the poller on new lines; where the
 *   endpoint lacks it (the emulator answers HTTP 500) it falls back to polling, once per process, quietly.
 */
export async function* tailStream(source: TailSource, options: TailOptions): AsyncGenerator<LogLine[]> {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const { signal, onNotice } = options;
  const bell = new Bell();
  let liveTail: LiveTailSession | undefined;
  let liveTailActive = false;
  let ended = false;

  const fetchPage = async (
    token: string | undefined,
    extra: Partial<Parameters<typeof getLogEventsPage>[1]> = {},
  ): Promise<Outcome> => {
    try {
      return {
        page: await getLogEventsPage(source.logs, {
          logGroupName: source.logGroupName,
          logStreamName: source.logStreamName,
          nextToken: token,
          startTime: options.startTime,
          endTime: options.endTime,
          signal,
          ...extra,
        }),
      };
    } catch (error) {
      return { error };
    }
  };

  const startDoorbell = async () => {
    if (!options.follow || options.liveTail === false || !source.logGroupArn) return;
    const key = endpointKey();
    if (liveTailUnsupported.has(key)) return;
    try {
      liveTail = await startLiveTail(source.logs, {
        logGroupArn: source.logGroupArn,
        logStreamName: source.logStreamName,
      });
    } catch (error) {
      liveTailUnsupported.add(key);
      onNotice?.({ kind: 'live-tail', active: false, reason: (error as Error).message });
      return;
    }
    if (ended) {
      // The tail ended while the session was starting: it must not keep the process alive.
      liveTail.close();
      return;
    }
    liveTailActive = true;
    onNotice?.({ kind: 'live-tail', active: true });
    const session = liveTail;
    void (async () => {
      try {
        for await (const count of session.updates) if (count > 0) bell.ring();
      } catch {
        // The session broke: polling carries on alone.
      } finally {
        liveTailActive = false;
      }
    })();
  };

  let token: string | undefined;
  let next: Promise<Outcome> | undefined;
  let failures = 0;
  let failingSince = 0;
  let idle = 0;
  let draining = false;
  let waitingNoticed = false;
  /** Whether a failed read is worth another try: transient, and within both bounds. */
  const retryable = (error: unknown, attempt: number) => {
    if (attempt === 1) failingSince = Date.now();
    return (
      isTransient(error) && attempt <= timing.maxFailures && Date.now() - failingSince < timing.giveUpAfterMs
    );
  };

  /** Nothing new to read: once the task has stopped, wait for the last flush and drain; else poll later. */
  const waitForMore = async (): Promise<void> => {
    if (await options.isStopped?.()) {
      draining = true;
      onNotice?.({ kind: 'draining' });
      await bell.sleep(timing.drainGraceMs, signal);
      return;
    }
    idle++;
    await bell.sleep(pollDelay(idle, timing, liveTailActive), signal);
  };

  try {
    void startDoorbell();

    if (options.tail !== undefined) {
      const initial = await readTail(options.tail);
      if (initial === undefined) {
        // The stream does not exist yet: nothing to show from the end; follow from the head.
      } else {
        token = initial.token;
        if (initial.lines.length > 0) yield initial.lines;
      }
    }

    while (!signal?.aborted) {
      const outcome = await (next ?? fetchPage(token));
      next = undefined;
      if (signal?.aborted) return;
      if ('error' in outcome) {
        const error = outcome.error;
        if (isMissingStream(error)) {
          failures = 0;
          if (!options.follow) {
            onNotice?.({ kind: 'no-stream' });
            return;
          }
          if (!waitingNoticed) {
            waitingNoticed = true;
            onNotice?.({ kind: 'waiting-for-stream' });
          }
          if (draining) return;
          await waitForMore();
          continue;
        }
        if (retryable(error, failures + 1)) {
          failures++;
          const delayMs = backoff(failures, timing);
          onNotice?.(retryNotice(error, failures, delayMs));
          await bell.sleep(delayMs, signal);
          continue;
        }
        throw error;
      }
      failures = 0;
      const { page } = outcome;
      const previous = token;
      if (page.nextForwardToken) token = page.nextForwardToken;
      const more = page.events.length > 0 && token !== previous;
      if (more) next = fetchPage(token);
      if (page.events.length > 0) {
        idle = 0;
        yield page.events;
      }
      if (more) continue;
      if (!options.follow || draining) return;
      await waitForMore();
    }
  } finally {
    ended = true;
    liveTail?.close();
  }

  /** The newest `n` lines and the forward token after them; undefined when the stream is missing. */
  async function readTail(n: number): Promise<{ lines: LogLine[]; token?: string } | undefined> {
    if (n <= 0) {
      // Only the position of the end: the newest line, dropped.
      const page = await retrying(() => fetchPage(undefined, { startFromHead: false, limit: 1 }));
      return page && { lines: [], token: page.nextForwardToken };
    }
    const first = await retrying(() =>
      fetchPage(undefined, { startFromHead: false, limit: Math.min(n, 10_000) }),
    );
    if (!first) return undefined;
    const pages: LogLine[][] = [first.events];
    let count = first.events.length;
    let back = first.nextBackwardToken;
    while (count < n && back) {
      const at = back;
      const page = await retrying(() => fetchPage(at, { limit: Math.min(n - count, 10_000) }));
      if (!page || page.events.length === 0 || page.nextBackwardToken === at) break;
      pages.unshift(page.events);
      count += page.events.length;
      back = page.nextBackwardToken;
    }
    const lines = pages.flat();
    return { lines: lines.slice(Math.max(0, lines.length - n)), token: first.nextForwardToken };
  }

  async function retrying(call: () => Promise<Outcome>): Promise<LogPage | undefined> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await call();
      if ('page' in outcome) return outcome.page;
      if (isMissingStream(outcome.error)) return undefined;
      if (!retryable(outcome.error, attempt)) throw outcome.error;
      const delayMs = backoff(attempt, timing);
      onNotice?.(retryNotice(outcome.error, attempt, delayMs));
      await bell.sleep(delayMs, signal);
      if (signal?.aborted) return undefined;
    }
  }
}

export function pollDelay(idle: number, timing: TailTiming, liveTail: boolean): number {
  const cap = liveTail ? timing.liveTailPollMs : timing.maxPollMs;
  return Math.min(cap, timing.minPollMs * 2 ** Math.max(0, idle - 1));
}

export function backoff(attempt: number, timing: TailTiming, random: () => number = Math.random): number {
  const ceiling = Math.min(timing.maxBackoffMs, timing.baseBackoffMs * 2 ** (attempt - 1));
  // "Equal jitter": at least half the ceiling, so that a retry storm spreads without going to zero.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The notice for a failed read that will be retried after `delayMs`. */
export function retryNotice(error: unknown, attempt: number, delayMs: number): TailNotice {
  return { kind: 'retry', error: describeError(error), throttled: isThrottle(error), attempt, delayMs };
}

function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string };
  return [e?.name, e?.code, e?.message].filter(Boolean).join(': ') || String(error);
}
