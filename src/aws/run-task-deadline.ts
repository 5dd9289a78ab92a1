import { RunvoyError } from '../core/errors.js';
import { wholeMinutes } from '../core/grace.js';
import { attemptOf, type RequestLike } from './watchdog.js';

/**
 * The hard deadline of a run's RunTask phase (src/core/grace.ts): no RunTask or RegisterTaskDefinition is
 * handed to the network from `at` on, and a call still in flight then is aborted. Checked against the wall
 * clock before every attempt of every call, so that neither a slow call, the SDK's retries, nor a machine
 * that slept can send one late.
 */
export interface RunTaskDeadline {
  /** Epoch milliseconds, this machine's clock: phaseStart + limitMs. */
  at: number;
  /** The limit `at` was computed with, for the error message. */
  limitMs: number;
  now?: () => number;
}

export type PhaseOperation = 'RunTask' | 'RegisterTaskDefinition';

/** How often the wall clock is looked at while a call is in flight (a timer alone misses a clock jump). */
export const DEADLINE_RECHECK_MS = 1_000;

/**
 * The RunTask phase ran out of time. `sent` tells whether `operation` had left for AWS (in flight, then
 * abandoned, or sent on an earlier attempt); when it had not, nothing was sent after the deadline.
 */
export class RunTaskDeadlineError extends RunvoyError {
  constructor(
    readonly operation: PhaseOperation,
    readonly sent: boolean,
    readonly limitMs: number,
  ) {
    const limit = minutesText(limitMs);
    super({
      what: sent
        ? `${operation} got no answer before the start's time ran out (${limit}), so runvoy abandoned it: AWS was slow or unreachable.`
        : `The start took longer than ${limit}, so runvoy did not send ${operation}: AWS was slow or unreachable.`,
      why: `A run must ask ECS for its task within ${limit} of taking its lock (or, without --lock, of writing its record), so that \`runvoy reconcile\` on any machine knows when a run without a task will never get one.`,
      fix: sent
        ? 'See what follows about the task. `runvoy doctor` checks that AWS answers; `--debug` shows each call and how long it took.'
        : 'Nothing was started for it. Check that AWS answers (`runvoy doctor`; `--debug` shows each call and how long it took), then run the command again.',
      code: 'START_DEADLINE',
      data: { operation, sent, limitMs },
    });
    this.name = 'RunTaskDeadlineError';
  }
}

/** "5 minutes", "1 minute", or seconds under a minute. */
function minutesText(ms: number): string {
  if (ms < 60_000) return `${Math.ceil(ms / 1000)} seconds`;
  const minutes = wholeMinutes(ms).slice(0, -1);
  return `${minutes} minute${minutes === '1' ? '' : 's'}`;
}

/** Thrown inside the SDK's stack when an attempt is about to be sent after the deadline. */
class AttemptRefused extends Error {
  constructor(readonly attempt: number) {
    super('the RunTask phase deadline has passed');
    this.name = 'RunTaskAttemptRefused';
  }
}

type Handler = (args: { request: unknown }) => Promise<unknown>;
interface MiddlewareStackLike {
  add(
    middleware: (next: Handler) => Handler,
    options: { step: 'deserialize'; priority: 'low'; name: string },
  ): void;
}

interface SenderLike {
  send(command: never, options: { abortSignal: AbortSignal }): Promise<unknown>;
}

/** The deadline of one runTask: an abort signal that fires at it, and a `send` that honours it. */
export class PhaseClock {
  private readonly controller = new AbortController();
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deadline: RunTaskDeadline) {
    this.now = deadline.now ?? Date.now;
    this.watch();
  }

  get passed(): boolean {
    return this.now() >= this.deadline.at;
  }

  /** Sends `command` unless the deadline has passed; aborts it at the deadline. */
  async send<T>(
    client: SenderLike,
    command: { middlewareStack: unknown },
    operation: PhaseOperation,
  ): Promise<T> {
    if (this.passed) throw new RunTaskDeadlineError(operation, false, this.deadline.limitMs);
    // Innermost, so it runs for each attempt after the SDK's retry middleware, right before the network.
    (command.middlewareStack as MiddlewareStackLike).add(
      (next) => async (args) => {
        if (this.passed || this.controller.signal.aborted)
          throw new AttemptRefused(attemptOf(args.request as RequestLike).attempt);
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'runvoyRunTaskDeadline' },
    );
    try {
      return (await client.send(command as never, { abortSignal: this.controller.signal })) as T;
    } catch (error) {
      if (error instanceof AttemptRefused)
        throw new RunTaskDeadlineError(operation, error.attempt > 1, this.deadline.limitMs);
      if (this.controller.signal.aborted && (error as Error | undefined)?.name === 'AbortError')
        throw new RunTaskDeadlineError(operation, true, this.deadline.limitMs);
      throw error;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private watch(): void {
    const remaining = this.deadline.at - this.now();
    if (remaining <= 0) {
      this.controller.abort(new Error('the RunTask phase deadline has passed'));
      return;
    }
    this.timer = setTimeout(() => this.watch(), Math.min(remaining, DEADLINE_RECHECK_MS));
  }
}
