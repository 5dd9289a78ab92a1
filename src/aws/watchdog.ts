/**
 * Bounds the time runvoy waits for AWS, for every client, in one place: a request handler that wraps the
 * SDK's own (so it sees each attempt of each call, after the SDK's retry middleware has numbered it).
 *
 * - Each attempt waits a few seconds for an answer (5 s for a read, 30 s for a write, doubling on each
 *   retry), so a connection that went dead is retried soon, and a slow write is not sent twice early.
 * - A call (all its attempts) waits at most `timeoutMs` (aws.timeout) for an answer. Then it fails with
 *   an AwsUnresponsiveError; and if that endpoint has answered nothing in that time, the endpoint is given
 *   up on: the requests still waiting on it fail at once, and so does every later one, so that a command
 *   that goes on after an error (doctor, say) ends too.
 * - Likewise every endpoint, when none has answered anything for aws.timeout while requests kept being
 *   made (calls that each fail sooner, refused or never connected, would add up otherwise).
 * - An endpoint with a request that has had no answer for `noticeAfterMs` is announced through
 *   `onWaiting` (then again every `noticeEveryMs`), so that nobody stares at a silent terminal.
 */

/** The parts of the SDK's HttpRequest that the watchdog reads. */
export interface RequestLike {
  protocol?: string;
  hostname?: string;
  port?: number;
  method?: string;
  path?: string;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface HandlerOptionsLike {
  abortSignal?: AbortSignal;
  requestTimeout?: number;
  [option: string]: unknown;
}

/** The SDK's request handler, as far as the watchdog uses it. */
export interface HttpHandlerLike {
  handle(request: RequestLike, options?: HandlerOptionsLike): Promise<unknown>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): unknown;
  metadata?: unknown;
}

/** One request that has waited `noticeAfterMs` or more for an answer. */
export interface AwsWait {
  service: string;
  operation: string;
  /** Where it goes: `https://dynamodb.us-east-1.amazonaws.com`, or AWS_ENDPOINT_URL. */
  endpoint: string;
  region?: string;
  /** Since the call's first attempt. */
  waitedMs: number;
  attempt: number;
  maxAttempts?: number;
  /** aws.timeout: when the call gives up. */
  timeoutMs: number;
  /** Other calls waiting on the same endpoint. */
  others: number;
}

export const DEFAULT_AWS_TIMEOUT_MS = 60_000;
export const READ_ATTEMPT_MS = 5_000;
export const WRITE_ATTEMPT_MS = 30_000;
export const NOTICE_AFTER_MS = 3_000;
export const NOTICE_EVERY_MS = 15_000;
/** A gap with no request at all after which the wait for an answer is counted afresh. */
export const QUIET_RESET_MS = 10_000;

/** A call that got no answer from its endpoint within aws.timeout. Not retried by the SDK. */
export class AwsUnresponsiveError extends Error {
  readonly $metadata: { attempts?: number };
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly endpoint: string,
    readonly region: string | undefined,
    /** How long the call waited, or 0 when it was not sent because the endpoint was given up on. */
    readonly waitedMs: number,
    readonly timeoutMs: number,
    attempts: number,
  ) {
    super(
      `No answer from ${service} ${operation} at ${endpoint}${region ? ` (${region})` : ''} within ${Math.round(timeoutMs / 1000)}s`,
    );
    this.name = 'AwsUnresponsiveError';
    this.$metadata = { attempts };
  }
}

export function isAwsUnresponsive(error: unknown): error is AwsUnresponsiveError {
  return (error as Error | undefined)?.name === 'AwsUnresponsiveError';
}

export interface WatchdogOptions {
  timeoutMs?: number;
  onWaiting?: (wait: AwsWait) => void;
  noticeAfterMs?: number;
  noticeEveryMs?: number;
  now?: () => number;
}

interface Call {
  startedAt: number;
}

interface Attempt {
  service: string;
  operation: string;
  endpoint: string;
  region?: string;
  call: Call;
  attempt: number;
  maxAttempts?: number;
}

export class AwsWatchdog {
  private timeout: number;
  private readonly onWaiting: ((wait: AwsWait) => void) | undefined;
  private readonly noticeAfterMs: number;
  private readonly noticeEveryMs: number;
  private readonly now: () => number;
  /** Calls by SDK invocation ID (one per call, the same on each of its attempts). */
  private readonly calls = new Map<string, Call>();
  private readonly pending = new Set<Attempt>();
  /** Per endpoint: the last time it answered anything. */
  private readonly lastAnswer = new Map<string, number>();
  /** Per endpoint, a signal that fires when it is given up on, failing what still waits on it. */
  private readonly giveUps = new Map<string, AbortController>();
  /** Since when no endpoint has answered anything while requests kept being made. */
  private unansweredSince: number | undefined;
  private lastActivity = -Infinity;
  private everythingGivenUp = false;
  private readonly lastNotice = new Map<string, number>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private sequence = 0;

  constructor(options: WatchdogOptions = {}) {
    this.timeout = options.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS;
    this.onWaiting = options.onWaiting;
    this.noticeAfterMs = options.noticeAfterMs ?? NOTICE_AFTER_MS;
    this.noticeEveryMs = options.noticeEveryMs ?? NOTICE_EVERY_MS;
    this.now = options.now ?? Date.now;
  }

  /** aws.timeout, in milliseconds. */
  get timeoutMs(): number {
    return this.timeout;
  }

  /**
   * Gives the endpoints one more chance, each call now bounded by `timeoutMs`: for the last writes of a
   * command that has lost AWS (an attached run extending its lease before it lets go).
   */
  rearm(timeoutMs: number): void {
    this.timeout = timeoutMs;
    this.giveUps.clear();
    this.calls.clear();
    this.everythingGivenUp = false;
    this.unansweredSince = undefined;
  }

  /** The SDK handler `inner`, watched. Its other methods are passed through. */
  wrap(service: string, inner: HttpHandlerLike): HttpHandlerLike {
    return {
      get metadata() {
        return inner.metadata;
      },
      handle: (request, options) => this.handle(service, inner, request, options ?? {}),
      destroy: () => inner.destroy?.(),
      updateHttpClientConfig: (key, value) => inner.updateHttpClientConfig?.(key, value),
      httpHandlerConfigs: () => inner.httpHandlerConfigs?.() ?? {},
    };
  }

  private async handle(
    service: string,
    inner: HttpHandlerLike,
    request: RequestLike,
    options: HandlerOptionsLike,
  ): Promise<unknown> {
    const endpoint = endpointOf(request);
    const operation = operationOf(request);
    const region = regionOf(request);
    const { attempt, maxAttempts } = attemptOf(request);
    const invocation = header(request, 'amz-sdk-invocation-id') ?? `runvoy-${++this.sequence}`;
    const started = this.now();
    let call = this.calls.get(invocation);
    if (!call) {
      this.forgetOldCalls(started);
      call = { startedAt: started };
      this.calls.set(invocation, call);
    }
    const unresponsive = (waitedMs: number) =>
      new AwsUnresponsiveError(service, operation, endpoint, region, waitedMs, this.timeout, attempt);

    // Requests after a quiet spell (a prompt, say) start a new count.
    const quiet = this.pending.size === 0 && started - this.lastActivity > QUIET_RESET_MS;
    if (this.unansweredSince === undefined || quiet) this.unansweredSince = started;
    this.lastActivity = started;
    this.giveUpAllIfSilent(started);
    const giveUp = this.giveUpSignal(endpoint);
    if (giveUp.aborted) {
      this.calls.delete(invocation);
      throw unresponsive(0);
    }
    const remaining = call.startedAt + this.timeout - started;
    if (remaining <= 0) {
      this.calls.delete(invocation);
      this.giveUpIfSilent(endpoint, started);
      throw unresponsive(started - call.startedAt);
    }
    const base = isRead(operation, request.method) ? READ_ATTEMPT_MS : WRITE_ATTEMPT_MS;
    const attemptMs = Math.min(base * 2 ** Math.max(0, attempt - 1), remaining);

    const controller = new AbortController();
    const onUserAbort = () => controller.abort(options.abortSignal?.reason);
    const onGiveUp = () => controller.abort(giveUp.reason);
    if (options.abortSignal?.aborted) onUserAbort();
    options.abortSignal?.addEventListener('abort', onUserAbort, { once: true });
    giveUp.addEventListener('abort', onGiveUp, { once: true });
    const pending: Attempt = { service, operation, endpoint, region, call, attempt, maxAttempts };
    this.pending.add(pending);
    this.tick();
    try {
      const answer = await inner.handle(request, {
        ...options,
        abortSignal: controller.signal,
        requestTimeout: attemptMs,
      });
      this.lastAnswer.set(endpoint, this.now());
      this.unansweredSince = undefined;
      this.calls.delete(invocation);
      return answer;
    } catch (error) {
      if (options.abortSignal?.aborted) throw error;
      const now = this.now();
      this.giveUpAllIfSilent(now);
      if (giveUp.aborted || now >= call.startedAt + this.timeout) {
        this.calls.delete(invocation);
        this.giveUpIfSilent(endpoint, now);
        throw unresponsive(now - call.startedAt);
      }
      throw error;
    } finally {
      options.abortSignal?.removeEventListener('abort', onUserAbort);
      giveUp.removeEventListener('abort', onGiveUp);
      this.lastActivity = this.now();
      this.pending.delete(pending);
      if (this.pending.size === 0) this.stopTicker();
    }
  }

  private giveUpSignal(endpoint: string): AbortSignal {
    let controller = this.giveUps.get(endpoint);
    if (!controller) {
      controller = new AbortController();
      this.giveUps.set(endpoint, controller);
      if (this.everythingGivenUp) controller.abort(new Error('no answer from AWS'));
    }
    return controller.signal;
  }

  /**
   * Gives every endpoint up when none has answered anything for aws.timeout while requests kept being
   * made: calls that each fail sooner (a connection refused, or that never connects) add up otherwise.
   */
  private giveUpAllIfSilent(now: number): void {
    if (this.everythingGivenUp || this.unansweredSince === undefined) return;
    if (now - this.unansweredSince < this.timeout) return;
    this.everythingGivenUp = true;
    for (const controller of this.giveUps.values()) controller.abort(new Error('no answer from AWS'));
  }

  /** Gives an endpoint up when it has answered nothing for aws.timeout: what waits on it fails at once. */
  private giveUpIfSilent(endpoint: string, now: number): void {
    const answered = this.lastAnswer.get(endpoint);
    if (answered !== undefined && now - answered < this.timeout) return;
    this.giveUpSignal(endpoint);
    this.giveUps.get(endpoint)?.abort(new Error(`no answer from ${endpoint}`));
  }

  private forgetOldCalls(now: number): void {
    // A call whose last attempt failed without an answer stays here; it is a few bytes, but an attached
    // run makes calls for hours.
    if (this.calls.size < 100) return;
    for (const [id, call] of this.calls) {
      if (now - call.startedAt > 2 * this.timeout) this.calls.delete(id);
    }
  }

  private tick(): void {
    if (this.ticker || !this.onWaiting) return;
    this.ticker = setInterval(() => this.announce(), 250);
    this.ticker.unref?.();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /**
   * One notice per endpoint that has a request waiting too long (the longest waiting one, and how many
   * others wait on it too), at most every noticeEveryMs.
   */
  private announce(): void {
    const now = this.now();
    const byEndpoint = new Map<string, Attempt[]>();
    for (const attempt of this.pending) {
      const list = byEndpoint.get(attempt.endpoint) ?? [];
      list.push(attempt);
      byEndpoint.set(attempt.endpoint, list);
    }
    for (const [endpoint, attempts] of byEndpoint) {
      const [oldest] = attempts.sort((a, b) => a.call.startedAt - b.call.startedAt);
      if (!oldest) continue;
      const waitedMs = now - oldest.call.startedAt;
      if (waitedMs < this.noticeAfterMs) continue;
      const last = this.lastNotice.get(endpoint);
      if (last !== undefined && now - last < this.noticeEveryMs) continue;
      this.lastNotice.set(endpoint, now);
      this.onWaiting?.({
        service: oldest.service,
        operation: oldest.operation,
        endpoint,
        region: oldest.region,
        waitedMs,
        attempt: oldest.attempt,
        maxAttempts: oldest.maxAttempts,
        timeoutMs: this.timeout,
        others: new Set(attempts.map((a) => a.call)).size - 1,
      });
    }
  }
}

function header(request: RequestLike, name: string): string | undefined {
  const headers = request.headers ?? {};
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

export function endpointOf(request: RequestLike): string {
  const protocol = request.protocol ?? 'https:';
  const port = request.port ? `:${request.port}` : '';
  return `${protocol}//${request.hostname ?? 'unknown'}${port}`;
}

/** X-Amz-Target for JSON protocols (DynamoDB, ECS, Logs), Action for query protocols (STS, CloudFormation, EC2). */
export function operationOf(request: RequestLike): string {
  const target = header(request, 'x-amz-target');
  if (target) return target.split('.').pop() ?? target;
  if (typeof request.body === 'string') {
    const action = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(request.body)?.[1];
    if (action) return action;
  }
  return `${request.method ?? 'GET'} ${request.path ?? '/'}`;
}

/** The region of the signature's credential scope: `Credential=AKID/20240101/us-east-1/sts/aws4_request`. */
export function regionOf(request: RequestLike): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(header(request, 'authorization') ?? '')?.[1];
}

/** The attempt number the SDK's retry middleware writes in `amz-sdk-request: attempt=2; max=5`. */
export function attemptOf(request: RequestLike): { attempt: number; maxAttempts?: number } {
  const value = header(request, 'amz-sdk-request') ?? '';
  const attempt = Number(/attempt=(\d+)/.exec(value)?.[1] ?? 1);
  const max = /max=(\d+)/.exec(value)?.[1];
  return { attempt: attempt > 0 ? attempt : 1, ...(max ? { maxAttempts: Number(max) } : {}) };
}

const READ = /^(Describe|Get|List|Query|Scan|BatchGet|Filter|Search|Lookup|Validate|Estimate|Head)/;

/** Reads can be retried early at no risk; a write that timed out may have been carried out. */
export function isRead(operation: string, method: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return READ.test(operation);
}
