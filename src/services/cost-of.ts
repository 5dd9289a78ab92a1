import { ConfigStore } from '../config/store.js';
import { envVarFor, parseConfigValue } from '../core/config-schema.js';
import { computeCost, costSoFar, type CostResult } from '../core/cost.js';
import type { ExecutionRecord } from '../core/execution.js';
import type { PriceTable } from '../core/price-table.js';
import { isTerminal } from '../core/status.js';
import { loadPriceTable } from './prices.js';

/** What prices a record besides the record itself: the table in use and the Spot discount. */
export interface PricingOptions {
  /** The price table; by default the bundled one with any refreshed regions from the cache. */
  table?: PriceTable;
  /** Fraction off on-demand for Spot tasks; by default `spotDiscount` from env or config, else 0.7. */
  spotDiscount?: number;
}

let defaults: PricingOptions | undefined;

/** The configured Spot discount (RUNVOY_SPOTDISCOUNT, then the config file), or undefined for the default. */
function configuredSpotDiscount(): number | undefined {
  try {
    const fromEnv = process.env[envVarFor('spotDiscount')];
    const text =
      fromEnv !== undefined && fromEnv !== '' ? fromEnv : new ConfigStore().values().spotDiscount?.toString();
    if (text === undefined) return undefined;
    const parsed = parseConfigValue('spotDiscount', text);
    return 'value' in parsed ? Number(parsed.value) : undefined;
  } catch {
    return undefined;
  }
}

/** The pricing of this process: the cached refreshed table when there is one, and the configured discount. */
export function defaultPricing(): PricingOptions {
  defaults ??= { table: loadPriceTable().table, spotDiscount: configuredSpotDiscount() };
  return defaults;
}

/** Forgets the memoised defaults (after `cost prices --refresh`, and in tests). */
export function resetDefaultPricing(): void {
  defaults = undefined;
}

function isSpot(record: ExecutionRecord): boolean {
  return record.capacityProvider ? record.capacityProvider === 'FARGATE_SPOT' : Boolean(record.spot);
}

function sizeOf(record: ExecutionRecord, pricing: PricingOptions) {
  return {
    cpu: Number(record.cpu),
    memory: Number(record.memory),
    arch: record.arch,
    region: record.region,
    spot: isSpot(record),
    ephemeralStorageGiB: record.ephemeralStorageGiB,
    ...(pricing.spotDiscount !== undefined ? { spotDiscount: pricing.spotDiscount } : {}),
    ...(pricing.table ? { table: pricing.table } : {}),
  };
}

/**
 * The cost of a finished execution from its own record: billed from `pullStartedAt` to `stoppedAt`.
 * Without `pullStartedAt` the best start known (`startedAt`, else `createdAt`) is used and the cost is
 * an estimate, as it is for Spot.
 */
export function costOf(record: ExecutionRecord, pricing: PricingOptions = defaultPricing()): CostResult {
  const start = record.pullStartedAt ?? record.startedAt ?? record.createdAt;
  return computeCost({
    ...sizeOf(record, pricing),
    startedAt: start,
    stoppedAt: record.stoppedAt,
    startInferred: record.pullStartedAt === undefined,
  });
}

/** What a running execution has cost until `now` (always an estimate). */
export function costSoFarOf(
  record: ExecutionRecord,
  now: Date,
  pricing: PricingOptions = defaultPricing(),
): CostResult {
  const start = record.pullStartedAt ?? record.startedAt;
  return costSoFar(start, now, {
    ...sizeOf(record, pricing),
    startInferred: record.pullStartedAt === undefined,
  });
}

export interface RecordCost {
  status: CostResult['status'];
  amount?: number;
  reason?: string;
  /** `record`: the cost stored at finalisation; `computed`: priced now from the record. */
  from: 'record' | 'computed';
  result?: CostResult;
}

/**
 * The cost of one record for `cost ID` and reports: the cost stored at finalisation when there is one,
 * else priced now (a record finalised before its price was known, or a running task: cost so far).
 */
export function recordCost(
  record: ExecutionRecord,
  now: Date,
  pricing: PricingOptions = defaultPricing(),
): RecordCost {
  if (
    (record.costStatus === 'exact' || record.costStatus === 'estimated') &&
    typeof record.cost === 'number' &&
    Number.isFinite(record.cost)
  ) {
    return {
      status: record.costStatus,
      amount: record.cost,
      ...(record.costReason ? { reason: record.costReason } : {}),
      from: 'record',
    };
  }
  const result = isTerminal(record.status) ? costOf(record, pricing) : costSoFarOf(record, now, pricing);
  return {
    status: result.status,
    ...(result.amount !== undefined ? { amount: result.amount } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    from: 'computed',
    result,
  };
}

/** The cost fields to store on a finalised record. A failed lookup marks the cost unavailable; it never throws. */
export function costPatch(
  record: ExecutionRecord,
  pricing?: PricingOptions,
): Pick<ExecutionRecord, 'cost' | 'costStatus' | 'costReason'> {
  try {
    const result = costOf(record, pricing ?? defaultPricing());
    return {
      cost: result.amount,
      costStatus: result.status,
      costReason: result.reason ?? (result.status === 'exact' ? undefined : 'estimate'),
    };
  } catch (error) {
    return { costStatus: 'unavailable', costReason: `price lookup failed: ${(error as Error).message}` };
  }
}
