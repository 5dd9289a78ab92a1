import type { AwsClients } from '../aws/clients.js';
import { filterLogEventsPage, isTransient, logGroupArnFor, type LogLine } from '../aws/logs.js';
import type { ExecutionRecord } from '../core/execution.js';
import { logStreamName } from '../core/run-plan.js';
import { isTerminal } from '../core/status.js';
import { awsFailureKind } from '../aws/errors.js';
import { failureText, lostContactError } from './lost-contact.js';
import type { StackContext } from './stack-context.js';
import {
  backoff,
  DEFAULT_TIMING,
  retryNotice,
  tailStream,
  type TailNotice,
  type TailTiming,
} from './tail.js';

export interface LogsQuery {
  follow: boolean;
  since?: number;
  until?: number;
  /** A CloudWatch Logs filter pattern, applied by FilterLogEvents. */
  filter?: string;
  /** A regular expression applied here, line by line. */
  grep?: RegExp;
  tail?: number;
}

export interface LogsSource {
  clients: AwsClients;
  stack: StackContext;
  record: ExecutionRecord;
}

/** Where an execution's lines are: from its own record, so it works long after ECS forgot the task. */
export function streamOf(record: ExecutionRecord): string | undefined {
  return record.taskArn ? logStreamName(record.taskArn) : undefined;
}

interface ReadOptions {
  isStopped?: () => boolean | Promise<boolean>;
  signal?: AbortSignal;
  onNotice?: (notice: TailNotice) => void;
  timing?: Partial<TailTiming>;
}

/**
 * The lines of an execution, page by page, in order, each once: GetLogEvents through the tail engine,
 * or FilterLogEvents when a server-side filter is given; then the client-side --grep. Nothing is kept
 * beyond one page (and `--tail N` lines when tailing a filtered log).
 */
export async function* readExecutionLogs(
  source: LogsSource,
  query: LogsQuery,
  options: ReadOptions = {},
): AsyncGenerator<LogLine[]> {
  const stream = streamOf(source.record);
  if (!stream) return;
  const logs = await source.clients.logs();
  const { stack } = source;
  const grep = query.grep;
  const keep = grep ? (line: LogLine) => grep.test(line.message) : undefined;

  if (query.filter !== undefined || (grep && query.tail !== undefined)) {
    // Filtered and tailed: the last N matches cannot be read backwards, so keep a ring of N.
    const pages = filterStream(logs, stack.outputs.logGroupName, stream, query, options);
    if (query.tail === undefined) {
      for await (const page of pages) {
        const lines = keep ? page.filter(keep) : page;
        if (lines.length > 0) yield lines;
      }
      return;
    }
    // The stream yields an empty page when it has caught up with what is there now.
    const ring: LogLine[] = [];
    let caughtUp = false;
    for await (const page of pages) {
      if (caughtUp) {
        const lines = keep ? page.filter(keep) : page;
        if (lines.length > 0) yield lines;
        continue;
      }
      if (page.length === 0) {
        caughtUp = true;
        if (ring.length > 0) yield ring.splice(0);
        continue;
      }
      for (const line of page) {
        if (keep && !keep(line)) continue;
        ring.push(line);
        if (ring.length > query.tail) ring.shift();
      }
    }
    if (ring.length > 0) yield ring.splice(0);
    return;
  }

  const pages = tailStream(
    {
      logs,
      logGroupName: stack.outputs.logGroupName,
      logStreamName: stream,
      logGroupArn: logGroupArnFor(stack.region, stack.identity.account, stack.outputs.logGroupName),
    },
    {
      follow: query.follow,
      startTime: query.since,
      endTime: query.until,
      tail: grep ? undefined : query.tail,
      isStopped: options.isStopped,
      signal: options.signal,
      onNotice: options.onNotice,
      timing: options.timing,
    },
  );
  for await (const page of pages) {
    const lines = keep ? page.filter(keep) : page;
    if (lines.length > 0) yield lines;
  }
}

/**
 * FilterLogEvents over the run's stream. Following, it polls again from the newest timestamp seen and
 * skips the events of that millisecond it already gave (by event ID): FilterLogEvents has no forward
 * token that outlives the end of the results.
 */
async function* filterStream(
  logs: Awaited<ReturnType<AwsClients['logs']>>,
  logGroupName: string,
  logStreamName: string,
  query: LogsQuery,
  options: ReadOptions,
): AsyncGenerator<LogLine[]> {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const { signal } = options;
  let since = query.since;
  let lastTimestamp = -Infinity;
  let seenAtLast = new Set<string>();
  let caughtUp = false;
  let failures = 0;
  let failingSince = 0;
  let idle = 0;
  let draining = false;
  while (!signal?.aborted) {
    let nextToken: string | undefined;
    let got = 0;
    for (;;) {
      let page;
      try {
        page = await filterLogEventsPage(logs, {
          logGroupName,
          logStreamName,
          filterPattern: query.filter,
          startTime: since,
          endTime: query.until,
          nextToken,
          signal,
        });
        failures = 0;
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') break;
        if (signal?.aborted) return;
        if (++failures === 1) failingSince = Date.now();
        const retryable = failures <= timing.maxFailures && Date.now() - failingSince < timing.giveUpAfterMs;
        if (!isTransient(error) || !retryable) throw error;
        const delayMs = backoff(failures, timing);
        options.onNotice?.(retryNotice(error, failures, delayMs));
        await sleep(delayMs, signal);
        continue;
      }
      const fresh: LogLine[] = [];
      for (const event of page.events) {
        if (event.timestamp === lastTimestamp && event.eventId && seenAtLast.has(event.eventId)) continue;
        if (event.timestamp > lastTimestamp) {
          lastTimestamp = event.timestamp;
          seenAtLast = new Set();
        }
        if (event.timestamp === lastTimestamp && event.eventId) seenAtLast.add(event.eventId);
        fresh.push({
          timestamp: event.timestamp,
          ingestionTime: event.ingestionTime,
          message: event.message,
        });
      }
      got += fresh.length;
      if (fresh.length > 0) yield fresh;
      if (!page.nextToken || page.nextToken === nextToken) break;
      nextToken = page.nextToken;
    }
    if (!query.follow || draining) return;
    if (!caughtUp) {
      caughtUp = true;
      yield [];
    }
    if (Number.isFinite(lastTimestamp)) since = lastTimestamp;
    if (got > 0) idle = 0;
    if (await options.isStopped?.()) {
      draining = true;
      await sleep(timing.drainGraceMs, signal);
      continue;
    }
    idle++;
    await sleep(Math.min(timing.maxPollMs, timing.minPollMs * 2 ** Math.max(0, idle - 1)), signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/**
 * What to throw when following an execution ends in an error: an AWS failure while its task may still
 * run becomes LOST_CONTACT (it still runs, how to follow it again or stop it); anything else as it is.
 */
export function followFailure(
  error: unknown,
  record: ExecutionRecord,
  stackName: string,
  lastSeenAt?: number,
): unknown {
  const kind = awsFailureKind(error);
  if (kind === undefined || isTerminal(record.status) || !record.taskArn) return error;
  return lostContactError({
    mode: 'following',
    record,
    cause: failureText(error),
    refused: kind === 'other',
    lastSeenAt,
    lease: { kind: 'none' },
    stackName,
  });
}
