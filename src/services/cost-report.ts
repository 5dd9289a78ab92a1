import type { Store } from '../aws/store.js';
import type { StackCommandContext } from '../context.js';
import { buildCostReport, type CostGrouping, type CostLine, type CostReport } from '../core/cost-report.js';
import type { CostBreakdown, CostStatus } from '../core/cost.js';
import type { ExecutionRecord } from '../core/execution.js';
import { isTerminal } from '../core/status.js';
import { costOf, costSoFarOf, defaultPricing, recordCost, type PricingOptions } from './cost-of.js';

const PAGE = 500;

export interface ExecutionRange {
  since: Date;
  until?: Date;
  /** Only this caller's executions (byUser index); otherwise everyone's (byKind index). */
  callerArn?: string;
  /** Items per Query page (default 500). */
  pageSize?: number;
}

/**
 * Every execution created in a time range, from the byKind or byUser index, page after page: a Query
 * bounded by the range, never a Scan.
 */
export async function executionsInRange(
  store: Store,
  range: ExecutionRange,
): Promise<{ records: ExecutionRecord[]; requests: number }> {
  const records: ExecutionRecord[] = [];
  let cursor: string | undefined;
  let requests = 0;
  do {
    const page = await store.queryExecutions({
      since: range.since,
      until: range.until,
      callerArn: range.callerArn,
      limit: range.pageSize ?? PAGE,
      cursor,
      ascending: true,
    });
    records.push(...page.items);
    requests += page.requests;
    cursor = page.cursor;
  } while (cursor);
  return { records, requests };
}

/** A record's line in a report: the stored cost, or the cost priced now, or unavailable. */
export function costLineOf(record: ExecutionRecord, now: Date, pricing?: PricingOptions): CostLine {
  const cost = pricing ? recordCost(record, now, pricing) : recordCost(record, now);
  return {
    id: record.id,
    createdAt: record.createdAt,
    callerArn: record.callerArn,
    image: record.image,
    ...(record.lockName ? { lockName: record.lockName } : {}),
    costStatus: cost.status,
    ...(cost.amount !== undefined ? { amount: cost.amount } : {}),
  };
}

export interface CostReportOptions extends ExecutionRange {
  by: CostGrouping;
  now?: Date;
  pricing?: PricingOptions;
}

/** `runvoy cost --since ... --by ...`: the executions of the range, priced and grouped, with totals. */
export async function costReport(
  ctx: Pick<StackCommandContext, 'store'>,
  options: CostReportOptions,
): Promise<CostReport & { requests: number }> {
  const now = options.now ?? new Date();
  const until = options.until ?? now;
  const { records, requests } = await executionsInRange(ctx.store, { ...options, until });
  const lines = records.map((record) => costLineOf(record, now, options.pricing));
  return { ...buildCostReport(lines, options.by, { since: options.since, until }), requests };
}

/** `runvoy cost ID`: the cost of one execution and how it was obtained. */
export interface ExecutionCost {
  id: string;
  status: string;
  costStatus: CostStatus;
  /** USD, not rounded; absent when unavailable. */
  cost?: number;
  costReason?: string;
  /** `record`: stored when it finished; `computed`: priced now from the record. */
  from: 'record' | 'computed';
  cpu: number;
  memory: number;
  arch: string;
  spot: boolean;
  region: string;
  ephemeralStorageGiB?: number;
  billedFrom?: string;
  billedTo?: string;
  billedSeconds?: number;
  breakdown?: CostBreakdown;
  prices?: { date: string; source: string };
  currency: 'USD';
}

export function executionCost(
  record: ExecutionRecord,
  now: Date,
  pricing: PricingOptions = defaultPricing(),
): ExecutionCost {
  const cost = recordCost(record, now, pricing);
  const terminal = isTerminal(record.status);
  const detail = cost.result ?? (terminal ? costOf(record, pricing) : costSoFarOf(record, now, pricing));
  // The details of a pricing now are shown only when they are the ones of the cost given.
  const consistent =
    detail.amount !== undefined && cost.amount !== undefined && Math.abs(detail.amount - cost.amount) < 1e-9;
  return {
    id: record.id,
    status: record.status,
    costStatus: cost.status,
    ...(cost.amount !== undefined ? { cost: cost.amount } : {}),
    ...(cost.reason ? { costReason: cost.reason } : {}),
    from: cost.from,
    cpu: Number(record.cpu),
    memory: Number(record.memory),
    arch: record.arch,
    spot: record.capacityProvider ? record.capacityProvider === 'FARGATE_SPOT' : Boolean(record.spot),
    region: record.region,
    ...(record.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: record.ephemeralStorageGiB } : {}),
    billedFrom: record.pullStartedAt ?? record.startedAt ?? record.createdAt,
    billedTo: record.stoppedAt ?? (terminal ? undefined : now.toISOString()),
    ...(consistent && detail.billedSeconds !== undefined ? { billedSeconds: detail.billedSeconds } : {}),
    ...(consistent && detail.breakdown ? { breakdown: detail.breakdown } : {}),
    ...(consistent && detail.rates
      ? { prices: { date: detail.rates.date, source: detail.rates.source } }
      : {}),
    currency: 'USD',
  };
}
