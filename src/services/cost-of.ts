import { computeCost, type CostResult } from '../core/cost.js';
import type { ExecutionRecord } from '../core/execution.js';

/** The cost of a finished execution from its own record: billed from pullStartedAt (or the best start) to stoppedAt. */
export function costOf(record: ExecutionRecord): CostResult {
  const start = record.pullStartedAt ?? record.startedAt;
  return computeCost({
    cpu: record.cpu,
    memory: record.memory,
    arch: record.arch,
    region: record.region,
    spot: record.capacityProvider ? record.capacityProvider === 'FARGATE_SPOT' : record.spot,
    ephemeralStorageGiB: record.ephemeralStorageGiB,
    startedAt: start ?? record.createdAt,
    stoppedAt: record.stoppedAt,
    startInferred: start === undefined,
  });
}

/** The cost fields to store on a finalised record. A failed lookup marks the cost unavailable; it never throws. */
export function costPatch(
  record: ExecutionRecord,
): Pick<ExecutionRecord, 'cost' | 'costStatus' | 'costReason'> {
  try {
    const result = costOf(record);
    return {
      cost: result.amount,
      costStatus: result.status,
      costReason: result.reason ?? (result.status === 'exact' ? undefined : 'estimate'),
    };
  } catch (error) {
    return { costStatus: 'unavailable', costReason: `price lookup failed: ${(error as Error).message}` };
  }
}
