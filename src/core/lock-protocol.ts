import { formatDuration } from './duration.js';
import { quoteArgv } from './shell-quote.js';
import { isoSeconds } from './time.js';

export { quoteArgv } from './shell-quote.js';

export type LockState = 'FREE' | 'HELD';

/** One lock item. Times are epoch milliseconds except `acquiredAt`, an ISO string. */
export interface LockItem {
  name: string;
  state: LockState;
  holderExecutionId?: string;
  /** The holder's STS caller ARN. */
  holderArn?: string;
  holderHost?: string;
  command?: string[];
  acquiredAt?: string;
  /** Epoch milliseconds. */
  leaseExpiresAt?: number;
  /** Increases by one on every acquisition and is never reset. */
  fence: number;
  /** Changes on every write: takeovers are conditioned on the version that was read. */
  version: string;
}

export type AcquireDecision =
  | { kind: 'create'; nextFence: 1 }
  | { kind: 'take-free'; expectVersion: string; nextFence: number }
  | { kind: 'take-expired'; expectVersion: string; nextFence: number }
  | { kind: 'verify-holder'; holderExecutionId: string; expectVersion: string; nextFence: number };

/**
 * What to do to acquire a lock, given the item as read (`now` in epoch milliseconds). For `verify-holder` the
 * caller asks ECS about the holder's task: stopped or unknown, it takes the lock with a write conditioned on
 * `expectVersion`; otherwise the lock is held.
 */
export function decideAcquire(current: LockItem | undefined, now: number): AcquireDecision {
  if (!current) return { kind: 'create', nextFence: 1 };
  const expectVersion = current.version;
  const nextFence = current.fence + 1;
  if (current.state === 'FREE') return { kind: 'take-free', expectVersion, nextFence };
  const expired = current.leaseExpiresAt !== undefined && current.leaseExpiresAt <= now;
  // A held lock that names no holder cannot be verified: only a hand-edited item looks like this.
  if (expired || !current.holderExecutionId) return { kind: 'take-expired', expectVersion, nextFence };
  return { kind: 'verify-holder', holderExecutionId: current.holderExecutionId, expectVersion, nextFence };
}

export interface LockWaitOptions {
  baseMs?: number;
  maxMs?: number;
  /** Smallest delay, so that a run of tiny random numbers cannot turn the wait into a busy loop. */
  minMs?: number;
  /** A random number in [0, 1). */
  jitter?: () => number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential backoff with full jitter, at
 * least `minMs` (so that a run of tiny random numbers cannot turn a wait into a busy loop), cut to what is
 * left of the wait. Undefined when nothing is left: stop retrying.
 */
export function backoffDelay(
  attempt: number,
  remainingMs: number,
  options: LockWaitOptions = {},
): number | undefined {
  const { baseMs = 1000, maxMs = 15000, minMs = 100, jitter = Math.random } = options;
  const remaining = Math.floor(remainingMs);
  if (!(remaining > 0)) return undefined;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.min(remaining, Math.max(minMs, Math.floor(jitter() * ceiling)));
}

/** Retries after a lost race are quick: the lock changed milliseconds ago, it is not held for long. */
export const CONFLICT_BACKOFF: LockWaitOptions = { baseMs: 50, maxMs: 1000, minMs: 20 };

/**
 * Retries after a lost race that are made even when --lock-wait has run out (or is 0): a race is lost by
 * milliseconds to a run that may release or fail at once, so a few tries are worth it; past them, only
 * the time left of --lock-wait allows more.
 */
export const QUICK_CONFLICT_RETRIES = 4;

/**
 * The delay before writing again after the acquire transaction lost a race for the `conflicts`-th time
 * (1 for the first), with `remainingMs` left of --lock-wait; undefined: give up. Bounded either way: at
 * most QUICK_CONFLICT_RETRIES retries once the wait has run out.
 */
export function conflictRetryDelay(
  conflicts: number,
  remainingMs: number,
  options: LockWaitOptions = CONFLICT_BACKOFF,
): number | undefined {
  const budget =
    conflicts <= QUICK_CONFLICT_RETRIES ? Math.max(remainingMs, options.maxMs ?? 1000) : remainingMs;
  return backoffDelay(conflicts - 1, budget, { ...CONFLICT_BACKOFF, ...options });
}

export interface LockConflictOptions {
  /** Added to the release command as `--stack`; leave it out for the default stack. */
  stack?: string;
}

/** The message for a lock held by someone else, in the manner of Terraform's "Error acquiring the state lock". */
export function formatLockConflict(lock: LockItem, now: number, options: LockConflictOptions = {}): string {
  const rows: Array<[string, string | undefined]> = [
    ['Holder', lock.holderExecutionId],
    ['Who', lock.holderArn],
    ['Host', lock.holderHost],
    ['Command', lock.command && quoteArgv(lock.command)],
    ['Since', lock.acquiredAt && describeSince(lock.acquiredAt, now)],
    ['Fence', String(lock.fence)],
    ['Lease until', lock.leaseExpiresAt === undefined ? undefined : describeLease(lock.leaseExpiresAt, now)],
  ];
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  const info = present.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`);
  const release = quoteArgv([
    'runvoy',
    'locks',
    'release',
    lock.name,
    '--force',
    ...(options.stack ? ['--stack', options.stack] : []),
  ]);
  return [
    `Error acquiring the lock ${JSON.stringify(lock.name)}`,
    '',
    'Lock Info:',
    ...info,
    '',
    'runvoy acquires a lock so that two runs never hold it at once. Wait for the holder to finish ' +
      `(or pass --lock-wait 10m), or release it: ${release}`,
  ].join('\n');
}

function describeSince(acquiredAt: string, now: number): string {
  const time = Date.parse(acquiredAt);
  if (Number.isNaN(time)) return acquiredAt;
  return `${isoSeconds(time)} (${formatDuration(now - time)} ago)`;
}

function describeLease(leaseExpiresAt: number, now: number): string {
  const date = new Date(leaseExpiresAt);
  if (Number.isNaN(date.getTime())) return String(leaseExpiresAt);
  const iso = isoSeconds(date);
  return leaseExpiresAt <= now ? `${iso} (expired)` : `${iso} (in ${formatDuration(leaseExpiresAt - now)})`;
}
