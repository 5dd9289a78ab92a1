/**
 * What a Fargate task costs: per second, with a one-minute minimum, per vCPU-hour and per GB-hour, by
 * region and architecture; Fargate Spot at a discount; ephemeral storage above the included 20 GB extra.
 *
 * A cost is `exact` (on-demand, both times known), `estimated` (Spot, an inferred start, a forecast or a
 * running task) or `unavailable` with a reason. It is never a silent zero.
 */
import { PRICE_TABLE } from './price-table.js';
import type { PriceArchitecture, PriceTable } from './price-table.js';
import {
  SPOT_DISCOUNT_DEFAULT,
  SPOT_DISCOUNT_MAX,
  SPOT_DISCOUNT_MIN,
  isValidSpotDiscount,
  ratesFor,
} from './pricing.js';
import type { Rates } from './pricing.js';

export const MINIMUM_BILLED_SECONDS = 60;
export const INCLUDED_EPHEMERAL_STORAGE_GB = 20;
const SECONDS_PER_HOUR = 3600;

export type CostStatus = 'exact' | 'estimated' | 'unavailable';

export interface CostBreakdown {
  vcpu: number;
  memory: number;
  storage: number;
}

export interface CostResult {
  status: CostStatus;
  /** USD, not rounded. Absent when the status is `unavailable`. */
  amount?: number;
  /** `amount` for people, e.g. "$0.0082"; "n/a" when the cost is unavailable. */
  display: string;
  billedSeconds?: number;
  /** Why the cost is unavailable, or what makes it an estimate. */
  reason?: string;
  /** The on-demand rates used (before any Spot discount). */
  rates?: Rates;
  /** The parts of `amount`, after any Spot discount (which applies to vCPU and memory). */
  breakdown?: CostBreakdown;
  /** The Spot discount applied, for Spot tasks. */
  spotDiscount?: number;
}

/** The size and placement of a task: what its price depends on besides its duration. */
export interface CostSize {
  /** CPU units: 1024 = 1 vCPU. */
  cpu: number;
  /** MiB: 1024 = 1 GB as Fargate bills it. */
  memory: number;
  arch: PriceArchitecture;
  region: string;
  spot: boolean;
  /** The task's ephemeral storage in GiB; 20 are included, and only what is above is billed. */
  ephemeralStorageGiB?: number;
  /** Fraction off the on-demand price for Spot tasks, 0..0.95; default `SPOT_DISCOUNT_DEFAULT`. */
  spotDiscount?: number;
  table?: PriceTable;
}

export type TimeInput = string | Date | number;

export interface CostInput extends CostSize {
  /** When billing started: `pullStartedAt`, or the best start time known. */
  startedAt?: TimeInput | null;
  stoppedAt?: TimeInput | null;
  /** The start time is a guess (e.g. `createdAt` because `pullStartedAt` was lost): the cost is estimated. */
  startInferred?: boolean;
}

/** "$0.0082": USD with a fixed number of decimals (4 by default). */
export function formatUsd(amount: number, decimals = 4): string {
  return `$${amount.toFixed(decimals)}`;
}

/** Seconds Fargate bills for a task that ran from `startMs` to `stopMs`: rounded up, at least 60. */
export function billedSecondsBetween(startMs: number, stopMs: number): number {
  return Math.max(MINIMUM_BILLED_SECONDS, Math.ceil((stopMs - startMs) / 1000));
}

function unavailable(reason: string): CostResult {
  return { status: 'unavailable', display: 'n/a', reason };
}

type Priced =
  | { ok: true; amount: number; breakdown: CostBreakdown; rates: Rates; spotDiscount?: number }
  | { ok: false; reason: string };

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** The price of `seconds` of a task of this size, or why there is none. */
function price(size: CostSize, seconds: number): Priced {
  const { cpu, memory, arch, region, spot } = size;
  if (!Number.isFinite(cpu) || cpu <= 0) {
    return { ok: false, reason: `cpu must be a positive number of CPU units, got ${describe(cpu)}` };
  }
  if (!Number.isFinite(memory) || memory <= 0) {
    return { ok: false, reason: `memory must be a positive number of MiB, got ${describe(memory)}` };
  }
  if (arch !== 'x86_64' && arch !== 'arm64') {
    return { ok: false, reason: `unknown architecture ${describe(arch)} (x86_64 or arm64)` };
  }
  const storageGiB = size.ephemeralStorageGiB ?? INCLUDED_EPHEMERAL_STORAGE_GB;
  if (!Number.isFinite(storageGiB) || storageGiB < 0) {
    return { ok: false, reason: `ephemeral storage must be a number of GiB, got ${describe(storageGiB)}` };
  }
  const discount = spot ? (size.spotDiscount ?? SPOT_DISCOUNT_DEFAULT) : 0;
  if (spot && !isValidSpotDiscount(discount)) {
    return {
      ok: false,
      reason: `the Spot discount must be between ${SPOT_DISCOUNT_MIN} and ${SPOT_DISCOUNT_MAX}, got ${describe(discount)}`,
    };
  }
  const table = size.table ?? PRICE_TABLE;
  const rates = ratesFor(region, arch, table);
  if (!rates) {
    return {
      ok: false,
      reason: `no Fargate prices for region ${describe(region)} in the price table of ${table.date} (try \`runvoy cost prices --refresh\`)`,
    };
  }
  const hours = seconds / SECONDS_PER_HOUR;
  const factor = 1 - discount;
  const extraStorageGb = Math.max(0, storageGiB - INCLUDED_EPHEMERAL_STORAGE_GB);
  // Spot discounts vCPU and memory; ephemeral storage is billed at its on-demand rate.
  const breakdown: CostBreakdown = {
    vcpu: rates.vcpuHour * (cpu / 1024) * hours * factor,
    memory: rates.gbHour * (memory / 1024) * hours * factor,
    storage: rates.storageGbHour * extraStorageGb * hours,
  };
  const amount = breakdown.vcpu + breakdown.memory + breakdown.storage;
  return { ok: true, amount, breakdown, rates, ...(spot ? { spotDiscount: discount } : {}) };
}

function priced(p: Extract<Priced, { ok: true }>, seconds: number, notes: string[]): CostResult {
  if (p.spotDiscount !== undefined) {
    notes.unshift(`Fargate Spot, estimated at ${Math.round(p.spotDiscount * 100)}% off the on-demand price`);
  }
  return {
    status: notes.length > 0 ? 'estimated' : 'exact',
    amount: p.amount,
    display: formatUsd(p.amount),
    billedSeconds: seconds,
    ...(notes.length > 0 ? { reason: notes.join('; ') } : {}),
    rates: p.rates,
    breakdown: p.breakdown,
    ...(p.spotDiscount !== undefined ? { spotDiscount: p.spotDiscount } : {}),
  };
}

type ParsedTime = { ms: number } | { error: string } | undefined;

function parseTime(value: TimeInput | null | undefined, what: string): ParsedTime {
  if (value === undefined || value === null || value === '') return undefined;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : new Date(value).getTime();
  if (!Number.isFinite(ms)) return { error: `${what} time ${describe(value)} is not a valid date` };
  return { ms };
}

/** The cost of a finished task, from its own record. */
export function computeCost(input: CostInput): CostResult {
  const start = parseTime(input.startedAt, 'start');
  if (!start) return unavailable('no start time');
  if ('error' in start) return unavailable(start.error);
  const stop = parseTime(input.stoppedAt, 'stop');
  if (!stop) return unavailable('no stop time');
  if ('error' in stop) return unavailable(stop.error);
  if (stop.ms < start.ms) return unavailable('stopped before it started');
  const seconds = billedSecondsBetween(start.ms, stop.ms);
  const p = price(input, seconds);
  if (!p.ok) return unavailable(p.reason);
  return priced(p, seconds, input.startInferred ? ['start time inferred'] : []);
}

/** The cost of one hour at this size: for `run --dry-run` and reports. Always an estimate. */
export function estimateHourly(size: CostSize): CostResult {
  const p = price(size, SECONDS_PER_HOUR);
  if (!p.ok) return unavailable(p.reason);
  return priced(p, SECONDS_PER_HOUR, ['one hour at this size']);
}

/**
 * The most a run can cost if it lasts up to `durationMs` (its timeout), with the one-minute minimum:
 * for `run --dry-run` and budgets. Without a finite timeout there is no upper bound: unavailable.
 */
export function estimateUpTo(durationMs: number | undefined, size: CostSize): CostResult {
  if (durationMs === undefined || durationMs === Number.POSITIVE_INFINITY) {
    return unavailable('no timeout, so the cost has no upper bound');
  }
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    return unavailable(`duration must be a non-negative number of milliseconds, got ${describe(durationMs)}`);
  }
  const seconds = billedSecondsBetween(0, durationMs);
  const p = price(size, seconds);
  if (!p.ok) return unavailable(p.reason);
  return priced(p, seconds, ['worst case, up to the timeout']);
}

/**
 * The cost of a running task so far, for the live view: what it would cost if it stopped `now`
 * (so at least the one-minute minimum). A `now` before the start (clock skew) counts as no time elapsed.
 */
export function costSoFar(
  startedAt: TimeInput | null | undefined,
  now: TimeInput,
  size: CostSize & { startInferred?: boolean },
): CostResult {
  const start = parseTime(startedAt, 'start');
  if (!start) return unavailable('not started yet');
  if ('error' in start) return unavailable(start.error);
  const current = parseTime(now, 'current');
  if (!current) return unavailable('no current time');
  if ('error' in current) return unavailable(current.error);
  const seconds = billedSecondsBetween(start.ms, Math.max(start.ms, current.ms));
  const p = price(size, seconds);
  if (!p.ok) return unavailable(p.reason);
  return priced(p, seconds, ['still running', ...(size.startInferred ? ['start time inferred'] : [])]);
}
