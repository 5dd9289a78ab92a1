import { describe, expect, it } from 'vitest';
import {
  INCLUDED_EPHEMERAL_STORAGE_GB,
  MINIMUM_BILLED_SECONDS,
  billedSecondsBetween,
  computeCost,
  costSoFar,
  estimateHourly,
  estimateUpTo,
  formatUsd,
} from '../../../src/core/cost.js';
import type { CostInput, CostSize } from '../../../src/core/cost.js';
import { PRICE_TABLE } from '../../../src/core/price-table.js';
import { mergeRefreshedTable } from '../../../src/core/pricing.js';

const START = '2026-11-01T10:00:00.000Z';
const TEN_MINUTES_LATER = '2026-11-01T10:10:00.000Z';

/** 1 vCPU, 2 GB, x86, us-east-1, on demand. */
const SIZE: CostSize = { cpu: 1024, memory: 2048, arch: 'x86_64', region: 'us-east-1', spot: false };
const TEN_MINUTES: CostInput = { ...SIZE, startedAt: START, stoppedAt: TEN_MINUTES_LATER };

// Hand-computed: 10 minutes is 1/6 hour.
const X86_10MIN = 0.04048 / 6 + (2 * 0.004445) / 6; // 0.0082283333...
const ARM_10MIN = 0.03238 / 6 + (2 * 0.00356) / 6; // 0.0065833333...

describe('computeCost: hand-computed prices', () => {
  it('1 vCPU and 2 GB on x86 in us-east-1 for exactly 10 minutes', () => {
    const cost = computeCost(TEN_MINUTES);
    expect(cost.status).toBe('exact');
    expect(cost.amount).toBeCloseTo(0.0082283333333, 12);
    expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
    expect(cost.display).toBe('$0.0082');
    expect(cost.billedSeconds).toBe(600);
    expect(cost.reason).toBeUndefined();
    expect(cost.breakdown?.vcpu).toBeCloseTo(0.04048 / 6, 15);
    expect(cost.breakdown?.memory).toBeCloseTo(0.00889 / 6, 15);
    expect(cost.breakdown?.storage).toBe(0);
    expect(cost.rates).toMatchObject({ vcpuHour: 0.04048, gbHour: 0.004445, storageGbHour: 0.000111 });
    expect(cost.rates?.currency).toBe('USD');
    expect(cost.rates?.date).toBe(PRICE_TABLE.date);
    expect(cost.spotDiscount).toBeUndefined();
  });

  it('the same on ARM (Graviton)', () => {
    const cost = computeCost({ ...TEN_MINUTES, arch: 'arm64' });
    expect(cost.status).toBe('exact');
    expect(cost.amount).toBeCloseTo(0.0065833333333, 12);
    expect(cost.amount).toBeCloseTo(ARM_10MIN, 15);
    expect(cost.display).toBe('$0.0066');
    expect(cost.rates).toMatchObject({ vcpuHour: 0.03238, gbHour: 0.00356 });
  });

  it('Fargate Spot with the default 70% discount is an estimate', () => {
    const cost = computeCost({ ...TEN_MINUTES, spot: true });
    expect(cost.status).toBe('estimated');
    expect(cost.amount).toBeCloseTo(X86_10MIN * 0.3, 15);
    expect(cost.amount).toBeCloseTo(0.0024685, 12);
    expect(cost.display).toBe('$0.0025');
    expect(cost.spotDiscount).toBe(0.7);
    expect(cost.reason).toMatch(/Spot.*70%/);
    // The rates shown are the on-demand ones the discount applies to.
    expect(cost.rates?.vcpuHour).toBe(0.04048);
  });

  it('Spot with a configured discount', () => {
    expect(computeCost({ ...TEN_MINUTES, spot: true, spotDiscount: 0.5 }).amount).toBeCloseTo(
      X86_10MIN / 2,
      15,
    );
    expect(computeCost({ ...TEN_MINUTES, spot: true, spotDiscount: 0 }).amount).toBeCloseTo(X86_10MIN, 15);
    expect(computeCost({ ...TEN_MINUTES, spot: true, spotDiscount: 0.95 }).amount).toBeCloseTo(
      X86_10MIN * 0.05,
      15,
    );
  });

  it.each([0.96, -0.1, 1, Number.NaN])('a Spot discount of %s is refused, not applied', (spotDiscount) => {
    const cost = computeCost({ ...TEN_MINUTES, spot: true, spotDiscount });
    expect(cost.status).toBe('unavailable');
    expect(cost.amount).toBeUndefined();
    expect(cost.reason).toMatch(/Spot discount must be between 0 and 0\.95/);
  });

  it('ignores the Spot discount of an on-demand task', () => {
    const cost = computeCost({ ...TEN_MINUTES, spotDiscount: 2 });
    expect(cost.status).toBe('exact');
    expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
  });

  it('30 GB of ephemeral storage bills the 10 GB above the included 20', () => {
    const cost = computeCost({ ...TEN_MINUTES, ephemeralStorageGiB: 30 });
    expect(cost.breakdown?.storage).toBeCloseTo((10 * 0.000111) / 6, 15);
    expect(cost.amount).toBeCloseTo(X86_10MIN + 0.000185, 15);
    expect(cost.amount).toBeCloseTo(0.0084133333333, 12);
    expect(cost.status).toBe('exact');
  });

  it.each([
    [undefined, 0],
    [0, 0],
    [INCLUDED_EPHEMERAL_STORAGE_GB, 0],
    [21, 1],
    [200, 180],
  ])('ephemeral storage %s GiB bills %d GB', (ephemeralStorageGiB, extra) => {
    const cost = computeCost({ ...TEN_MINUTES, ephemeralStorageGiB });
    expect(cost.breakdown?.storage).toBeCloseTo((extra * 0.000111) / 6, 15);
  });

  it('Spot discounts vCPU and memory but not ephemeral storage', () => {
    const cost = computeCost({ ...TEN_MINUTES, ephemeralStorageGiB: 30, spot: true });
    expect(cost.breakdown?.vcpu).toBeCloseTo((0.04048 / 6) * 0.3, 15);
    expect(cost.breakdown?.memory).toBeCloseTo((0.00889 / 6) * 0.3, 15);
    expect(cost.breakdown?.storage).toBeCloseTo(0.000185, 15);
  });

  it('10 seconds are billed as the 60-second minimum', () => {
    const cost = computeCost({ ...SIZE, startedAt: START, stoppedAt: '2026-11-01T10:00:10.000Z' });
    expect(cost.billedSeconds).toBe(MINIMUM_BILLED_SECONDS);
    expect(cost.amount).toBeCloseTo((0.04048 + 0.00889) / 60, 15);
    expect(cost.status).toBe('exact');
  });

  it.each([
    ['2026-11-01T10:00:00.000Z', 60],
    ['2026-11-01T10:00:59.999Z', 60],
    ['2026-11-01T10:01:00.000Z', 60],
    ['2026-11-01T10:01:00.001Z', 61],
    ['2026-11-01T10:10:00.500Z', 601],
    ['2026-11-01T11:00:00.000Z', 3600],
  ])('stopped at %s bills %d seconds (per second, rounded up)', (stoppedAt, seconds) => {
    expect(computeCost({ ...SIZE, startedAt: START, stoppedAt }).billedSeconds).toBe(seconds);
  });

  it('takes Date objects, ISO strings and epoch milliseconds alike', () => {
    const fromDates = computeCost({
      ...SIZE,
      startedAt: new Date(START),
      stoppedAt: new Date(TEN_MINUTES_LATER),
    });
    const fromMs = computeCost({
      ...SIZE,
      startedAt: Date.parse(START),
      stoppedAt: Date.parse(TEN_MINUTES_LATER),
    });
    expect(fromDates.amount).toBe(computeCost(TEN_MINUTES).amount);
    expect(fromMs.amount).toBe(computeCost(TEN_MINUTES).amount);
  });

  it('an inferred start makes the cost an estimate', () => {
    const cost = computeCost({ ...TEN_MINUTES, startInferred: true });
    expect(cost.status).toBe('estimated');
    expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
    expect(cost.reason).toBe('start time inferred');
    expect(computeCost({ ...TEN_MINUTES, startInferred: true, spot: true }).reason).toMatch(
      /Spot.*; start time inferred$/,
    );
  });

  it('prices another region from its own row', () => {
    const cost = computeCost({ ...TEN_MINUTES, region: 'eu-central-1' });
    const row = PRICE_TABLE.regions['eu-central-1'];
    expect(row).toBeDefined();
    expect(cost.amount).toBeCloseTo(((row?.x86_64.vcpuHour ?? 0) + 2 * (row?.x86_64.gbHour ?? 0)) / 6, 15);
  });

  it('uses a refreshed table when given one', () => {
    const table = mergeRefreshedTable(
      PRICE_TABLE,
      'us-east-1',
      { x86_64: { vcpuHour: 0.05, gbHour: 0.005 } },
      '2026-11-20',
    );
    const cost = computeCost({ ...TEN_MINUTES, table });
    expect(cost.amount).toBeCloseTo((0.05 + 0.01) / 6, 15);
    expect(cost.rates?.date).toBe('2026-11-20');
    expect(cost.rates?.source).toMatch(/Price List API/);
  });
});

describe('computeCost: unavailable, never a silent zero', () => {
  it.each<[string, Partial<CostInput>, string | RegExp]>([
    ['no start', { startedAt: undefined }, 'no start time'],
    ['null start', { startedAt: null }, 'no start time'],
    ['empty start', { startedAt: '' }, 'no start time'],
    ['no stop', { stoppedAt: undefined }, 'no stop time'],
    ['null stop', { stoppedAt: null }, 'no stop time'],
    ['stop before start', { stoppedAt: '2026-11-01T09:59:59.000Z' }, 'stopped before it started'],
    ['bad start', { startedAt: 'yesterday-ish' }, 'start time "yesterday-ish" is not a valid date'],
    ['bad stop', { stoppedAt: new Date(Number.NaN) }, /^stop time .* is not a valid date$/],
    ['unknown region', { region: 'xx-nowhere-1' }, /region "xx-nowhere-1"/],
    ['prototype key as region', { region: '__proto__' }, /region "__proto__"/],
    ['zero cpu', { cpu: 0 }, /cpu must be a positive number/],
    ['NaN memory', { memory: Number.NaN }, /memory must be a positive number/],
    ['unknown arch', { arch: 'mips' as never }, /unknown architecture "mips"/],
    ['negative storage', { ephemeralStorageGiB: -1 }, /ephemeral storage/],
  ])('%s', (_name, change, reason) => {
    const cost = computeCost({ ...TEN_MINUTES, ...change });
    expect(cost.status).toBe('unavailable');
    expect(cost.amount).toBeUndefined();
    expect(cost.billedSeconds).toBeUndefined();
    expect(cost.display).toBe('n/a');
    if (typeof reason === 'string') expect(cost.reason).toBe(reason);
    else expect(cost.reason).toMatch(reason);
  });

  it('names the region and says how to refresh', () => {
    const cost = computeCost({ ...TEN_MINUTES, region: 'ap-southeast-9' });
    expect(cost.reason).toContain('ap-southeast-9');
    expect(cost.reason).toContain('runvoy cost prices --refresh');
  });
});

describe('estimates', () => {
  it('estimateHourly: one hour at the size', () => {
    const cost = estimateHourly(SIZE);
    expect(cost.status).toBe('estimated');
    expect(cost.billedSeconds).toBe(3600);
    expect(cost.amount).toBeCloseTo(0.04048 + 2 * 0.004445, 15);
    expect(cost.display).toBe('$0.0494');
    expect(estimateHourly({ ...SIZE, arch: 'arm64', spot: true }).amount).toBeCloseTo(
      (0.03238 + 2 * 0.00356) * 0.3,
      15,
    );
    expect(estimateHourly({ ...SIZE, region: 'nowhere' }).status).toBe('unavailable');
  });

  it('estimateUpTo: the worst case up to a timeout', () => {
    const half = estimateUpTo(30 * 60_000, SIZE);
    expect(half.status).toBe('estimated');
    expect(half.billedSeconds).toBe(1800);
    expect(half.amount).toBeCloseTo((0.04048 + 2 * 0.004445) / 2, 15);
    expect(half.reason).toMatch(/worst case/);
  });

  it('estimateUpTo: a timeout under a minute still costs the minimum', () => {
    expect(estimateUpTo(10_000, SIZE).billedSeconds).toBe(60);
    expect(estimateUpTo(0, SIZE).billedSeconds).toBe(60);
    expect(estimateUpTo(60_001, SIZE).billedSeconds).toBe(61);
  });

  it('estimateUpTo: no timeout means no upper bound', () => {
    for (const duration of [undefined, Number.POSITIVE_INFINITY]) {
      const cost = estimateUpTo(duration, SIZE);
      expect(cost.status).toBe('unavailable');
      expect(cost.reason).toMatch(/no upper bound/);
    }
    expect(estimateUpTo(-1, SIZE).status).toBe('unavailable');
    expect(estimateUpTo(Number.NaN, SIZE).status).toBe('unavailable');
  });

  it('costSoFar: what a running task has cost until now', () => {
    const cost = costSoFar(START, TEN_MINUTES_LATER, SIZE);
    expect(cost.status).toBe('estimated');
    expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
    expect(cost.reason).toBe('still running');
    expect(costSoFar(START, '2026-11-01T10:00:05Z', SIZE).billedSeconds).toBe(60);
    expect(costSoFar(START, TEN_MINUTES_LATER, { ...SIZE, startInferred: true }).reason).toBe(
      'still running; start time inferred',
    );
  });

  it('costSoFar: clock skew counts as no time elapsed; no start is unavailable', () => {
    expect(costSoFar(START, '2026-11-01T09:59:58Z', SIZE).billedSeconds).toBe(60);
    expect(costSoFar(undefined, TEN_MINUTES_LATER, SIZE)).toMatchObject({
      status: 'unavailable',
      reason: 'not started yet',
    });
    expect(costSoFar('soon', TEN_MINUTES_LATER, SIZE).status).toBe('unavailable');
    expect(costSoFar(START, 'later', SIZE).status).toBe('unavailable');
    expect(costSoFar(START, TEN_MINUTES_LATER, { ...SIZE, region: 'nowhere' }).status).toBe('unavailable');
  });
});

describe('helpers', () => {
  it('formatUsd shows four decimals', () => {
    expect(formatUsd(0.0082283333)).toBe('$0.0082');
    expect(formatUsd(0.00005)).toBe('$0.0001');
    expect(formatUsd(12.5)).toBe('$12.5000');
    expect(formatUsd(12.5, 2)).toBe('$12.50');
  });

  it('billedSecondsBetween rounds up with a one-minute minimum', () => {
    expect(billedSecondsBetween(0, 0)).toBe(60);
    expect(billedSecondsBetween(0, 61_000)).toBe(61);
    expect(billedSecondsBetween(1_000, 62_001)).toBe(62);
  });
});
