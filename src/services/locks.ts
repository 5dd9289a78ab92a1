import { hostname } from 'node:os';
import { newLockVersion } from '../aws/store.js';
import type { StackCommandContext } from '../context.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { fenceValue, malformedItemError, type BadItem } from '../core/items.js';
import type { LockItem } from '../core/lock-protocol.js';
import { holderFinished, holderRecord } from './lock-service.js';

export interface LockView extends LockItem {
  /** For held locks: whether the holder is verified finished (the lock is stale and free to take). */
  holderFinished?: boolean;
  holder?: Pick<ExecutionRecord, 'id' | 'status' | 'image' | 'taskArn' | 'createdAt'>;
}

/** What the locks commands use of the command context. */
type LocksContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack'>;

export async function listLocks(ctx: LocksContext): Promise<LockItem[]> {
  return (await ctx.store.listLocks()).sort((a, b) => a.name.localeCompare(b.name));
}

export async function lockStatus(ctx: LocksContext, name: string, now = Date.now()): Promise<LockView> {
  const lock = await ctx.store.getLock(name);
  if (!lock) {
    throw new RunvoyError({
      what: `There is no lock named "${name}".`,
      why: 'A lock exists once a run has taken it (`runvoy run --lock NAME`).',
      fix: 'List the locks with `runvoy locks list`.',
      code: 'LOCK_NOT_FOUND',
    });
  }
  if (lock.state !== 'HELD' || !lock.holderExecutionId) return lock;
  const holder = await holderRecord(ctx.store, lock.holderExecutionId);
  return {
    ...lock,
    holderFinished: await holderFinished(ctx, lock, now),
    ...(holder
      ? {
          holder: {
            id: holder.id,
            status: holder.status,
            image: holder.image,
            taskArn: holder.taskArn,
            createdAt: holder.createdAt,
          },
        }
      : {}),
  };
}

export interface ReleaseResult {
  name: string;
  released: boolean;
  forced: boolean;
  previousHolder?: string;
  reason: string;
}

/**
 * Frees a lock. A free lock is left alone; one whose holder is verified finished is released like
 * reconcile would; a live lock needs `force` (after the caller's confirmation) and is audited.
 */
export async function releaseLock(
  ctx: LocksContext,
  name: string,
  options: {
    force: boolean;
    confirm: (lock: LockView) => Promise<boolean>;
    /** Asked before a malformed lock item is replaced (with --force); gets what is wrong and the fence it keeps. */
    confirmRepair?: (bad: BadItem, fence: number) => Promise<boolean>;
  },
): Promise<ReleaseResult> {
  const found = await ctx.store.inspectLock(name);
  if (found && !found.decoded.ok) return repairLock(ctx, name, found.item, found.decoded.bad, options);
  const lock = await lockStatus(ctx, name);
  if (lock.state === 'FREE')
    return { name, released: false, forced: false, reason: 'the lock is already free' };
  const holderId = lock.holderExecutionId;
  if (lock.holderFinished && holderId) {
    const released = await ctx.store.releaseLock(name, holderId, lock.fence);
    return { name, released, forced: false, previousHolder: holderId, reason: 'its holder had finished' };
  }
  const mine = lock.holderArn === ctx.stack.identity.arn;
  if (!options.force) {
    throw new RunvoyError({
      what: `The lock "${name}" is held by a live run: execution ${holderId ?? '?'} (${mine ? 'yours' : (lock.holderArn ?? 'unknown')}).`,
      why: 'Releasing it lets another run start while that one is still working.',
      fix: `Wait for it, stop it with \`runvoy kill ${holderId ?? 'ID'}\`, or pass --force to release it anyway.`,
      exitCode: ExitCode.LockHeld,
      code: 'LOCK_HELD',
      data: { lock },
    });
  }
  if (!(await options.confirm(lock))) return { name, released: false, forced: false, reason: 'cancelled' };
  const at = new Date().toISOString();
  const released = await ctx.store.forceReleaseLock(lock, {
    id: `${at.replace(/[^0-9]/g, '')}-${name}`.slice(0, 200),
    at,
    action: 'lock-force-release',
    actorArn: ctx.stack.identity.arn,
    host: hostname(),
    executionId: holderId,
    lockName: name,
    detail: { fence: lock.fence, holderArn: lock.holderArn },
  });
  if (!released) {
    throw new RunvoyError({
      what: `The lock "${name}" changed while it was being released; nothing was released.`,
      fix: `Look again with \`runvoy locks status ${name}\` and retry.`,
      code: 'LOCK_CHANGED',
    });
  }
  return { name, released: true, forced: true, previousHolder: holderId, reason: 'released by force' };
}

/**
 * `locks release NAME --force` on a lock item runvoy cannot read: replaces it with a well-formed FREE
 * lock, never built from the bad item. The fence is kept when it is a number (or a string of digits, as
 * an old bug wrote it), and never goes below the highest fence an execution of this lock recorded, so
 * that the next holder's fence is above every fence handed out. Conditional on the item as read; audited.
 */
async function repairLock(
  ctx: LocksContext,
  name: string,
  item: Record<string, unknown>,
  bad: BadItem,
  options: { force: boolean; confirmRepair?: (bad: BadItem, fence: number) => Promise<boolean> },
): Promise<ReleaseResult> {
  if (!options.force) throw malformedItemError(bad, ctx.store.table);
  const stored = typeof item.fence === 'number' ? fenceValue(item.fence) : undefined;
  const fence = stored ?? Math.max(fenceValue(item.fence) ?? 0, await ctx.store.highestRecordedFence(name));
  if (options.confirmRepair && !(await options.confirmRepair(bad, fence)))
    return { name, released: false, forced: false, reason: 'cancelled' };
  const holderId = typeof item.holderExecutionId === 'string' ? item.holderExecutionId : undefined;
  const at = new Date().toISOString();
  const repaired = await ctx.store.repairLock(
    item,
    { name, state: 'FREE', fence, version: newLockVersion() },
    {
      id: `${at.replace(/[^0-9]/g, '')}-${name}`.slice(0, 200),
      at,
      action: 'lock-force-release',
      actorArn: ctx.stack.identity.arn,
      host: hostname(),
      ...(holderId ? { executionId: holderId } : {}),
      lockName: name,
      detail: { fence, malformed: bad.problems, storedFence: item.fence ?? null },
    },
  );
  if (!repaired) {
    throw new RunvoyError({
      what: `The lock "${name}" changed while it was being repaired; nothing was written.`,
      fix: `Look again with \`runvoy locks status ${name}\` and retry.`,
      code: 'LOCK_CHANGED',
    });
  }
  return {
    name,
    released: true,
    forced: true,
    ...(holderId ? { previousHolder: holderId } : {}),
    reason: `the malformed lock item was replaced by a FREE lock with fence ${fence}`,
  };
}
