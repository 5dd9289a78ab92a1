import type {
  CloudWatchLogsClient,
  FilteredLogEvent,
  OutputLogEvent,
  StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { endpointFromEnv } from './clients.js';
import { loadSdk } from './sdk.js';

const logsModule = () => loadSdk('@aws-sdk/client-cloudwatch-logs');

/** One log line as runvoy handles it: the container's message, its time and when CloudWatch took it. */
export interface LogLine {
  timestamp: number;
  ingestionTime?: number;
  message: string;
}

export interface LogPage {
  events: LogLine[];
  nextForwardToken?: string;
  nextBackwardToken?: string;
}

export interface GetPageInput {
  logGroupName: string;
  logStreamName: string;
  nextToken?: string;
  startTime?: number;
  endTime?: number;
  /** Read from the oldest event (the default) or, without a token, the newest `limit`. */
  startFromHead?: boolean;
  limit?: number;
  signal?: AbortSignal;
}

/**
 * GetLogEvents' events as lines, in place: AWS always fills timestamp and message, and copying each of up
 * to 10,000 events per page cost a 100,000-line export about 40 ms, mostly garbage collection.
 */
function asLines(events: OutputLogEvent[]): LogLine[] {
  for (const event of events) {
    event.timestamp ??= 0;
    event.message ??= '';
  }
  return events as LogLine[];
}

function toLine(event: FilteredLogEvent): LogLine {
  const line: LogLine = { timestamp: event.timestamp ?? 0, message: event.message ?? '' };
  if (event.ingestionTime !== undefined) line.ingestionTime = event.ingestionTime;
  return line;
}

/** One GetLogEvents page (up to 10,000 events or 1 MB). */
export async function getLogEventsPage(logs: CloudWatchLogsClient, input: GetPageInput): Promise<LogPage> {
  const { GetLogEventsCommand } = await logsModule();
  const out = await logs.send(
    new GetLogEventsCommand({
      logGroupName: input.logGroupName,
      logStreamName: input.logStreamName,
      startFromHead: input.startFromHead ?? true,
      ...(input.nextToken ? { nextToken: input.nextToken } : {}),
      ...(input.startTime === undefined ? {} : { startTime: input.startTime }),
      ...(input.endTime === undefined ? {} : { endTime: input.endTime }),
      ...(input.limit === undefined ? {} : { limit: input.limit }),
    }),
    input.signal ? { abortSignal: input.signal } : {},
  );
  return {
    events: asLines(out.events ?? []),
    nextForwardToken: out.nextForwardToken,
    nextBackwardToken: out.nextBackwardToken,
  };
}

export interface FilterPageInput {
  logGroupName: string;
  logStreamName: string;
  filterPattern?: string;
  startTime?: number;
  endTime?: number;
  nextToken?: string;
  signal?: AbortSignal;
}

export interface FilterPage {
  events: (LogLine & { eventId?: string })[];
  nextToken?: string;
}

/**
 * One FilterLogEvents page over the run's own stream. `logStreamNames` names it exactly: the emulator
 * ignores `logStreamNamePrefix`, and a prefix could also match another task's stream.
 */
export async function filterLogEventsPage(
  logs: CloudWatchLogsClient,
  input: FilterPageInput,
): Promise<FilterPage> {
  const { FilterLogEventsCommand } = await logsModule();
  const out = await logs.send(
    new FilterLogEventsCommand({
      logGroupName: input.logGroupName,
      logStreamNames: [input.logStreamName],
      ...(input.filterPattern ? { filterPattern: input.filterPattern } : {}),
      ...(input.startTime === undefined ? {} : { startTime: input.startTime }),
      ...(input.endTime === undefined ? {} : { endTime: input.endTime }),
      ...(input.nextToken ? { nextToken: input.nextToken } : {}),
    }),
    input.signal ? { abortSignal: input.signal } : {},
  );
  return {
    events: (out.events ?? []).map((e) => ({ ...toLine(e), eventId: e.eventId })),
    nextToken: out.nextToken,
  };
}

/** The log group ARN that StartLiveTail wants: without the trailing `:*` of DescribeLogGroups. */
export function logGroupArnFor(region: string, account: string, logGroupName: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:logs:${region}:${account}:log-group:${logGroupName}`;
}

export interface LiveTailSession {
  /** Resolves with each update's event count; ends when the session ends. */
  updates: AsyncIterable<number>;
  close(): void;
}

/**
 * Starts a StartLiveTail session on one stream. The session is only a doorbell for the tail engine
 * (it has no event IDs, samples above 500 events a second and only sees new events): the lines
 * themselves are always read with GetLogEvents tokens. Its own client makes one attempt (an endpoint
 * without live tail must fail fast) and, against a custom endpoint, no `stream-` host prefix.
 */
export async function startLiveTail(
  logs: CloudWatchLogsClient,
  input: { logGroupArn: string; logStreamName: string },
): Promise<LiveTailSession> {
  const { CloudWatchLogsClient: Client, StartLiveTailCommand } = await logsModule();
  const config = logs.config as typeof logs.config & { isCustomEndpoint?: boolean };
  const custom = Boolean(config.isCustomEndpoint) || endpointFromEnv('CloudWatchLogs') !== undefined;
  const client = new Client({
    region: config.region,
    credentials: config.credentials,
    ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
    maxAttempts: 1,
    disableHostPrefix: custom,
    // Until the session's first answer only: its stream then lasts as long as it lasts.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  const abort = new AbortController();
  let stream: AsyncIterable<StartLiveTailResponseStream> | undefined;
  try {
    const out = await client.send(
      new StartLiveTailCommand({
        logGroupIdentifiers: [input.logGroupArn],
        logStreamNames: [input.logStreamName],
      }),
      { abortSignal: abort.signal },
    );
    stream = out.responseStream;
    if (!stream) throw new Error('StartLiveTail returned no stream');
  } catch (error) {
    client.destroy();
    throw error;
  }
  const events = stream;
  async function* updates(): AsyncGenerator<number> {
    try {
      for await (const item of events) {
        if (item.sessionUpdate) yield item.sessionUpdate.sessionResults?.length ?? 0;
        else if (item.SessionTimeoutException || item.SessionStreamingException) return;
      }
    } finally {
      client.destroy();
    }
  }
  return {
    updates: updates(),
    close: () => {
      abort.abort();
      client.destroy();
    },
  };
}

const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const NETWORK =
  /\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH)\b|socket hang up/;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** The stream is not there (yet): awslogs makes it when the container first writes. */
export function isMissingStream(error: unknown): boolean {
  return (error as ErrorLike)?.name === 'ResourceNotFoundException';
}

/** Worth retrying from the same token: throttling, server errors, timeouts and network failures. */
export function isTransient(error: unknown): boolean {
  const e = error as ErrorLike;
  if (!e) return false;
  if (e.name === 'AbortError') return false;
  if (THROTTLED.has(e.name ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true;
  if (NETWORK_CODES.has(e.code ?? '')) return true;
  // Without an HTTP status the request never got an answer: a broken connection.
  return status === undefined && NETWORK.test(e.message ?? '');
}

export function isThrottle(error: unknown): boolean {
  const e = error as ErrorLike;
  return THROTTLED.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}
