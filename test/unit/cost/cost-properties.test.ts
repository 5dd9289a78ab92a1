/**
 * Property tests over every valid Fargate size, both architectures, Spot and on-demand, every region of
 * the table, and a deterministic spread of durations (fast-check is not a dependency).
 */
import { describe, expect, it } from 'vitest';
import { computeCost, estimateHourly, estimateUpTo } from '../../../src/core/cost.js';
import type { CostSize } from '../../../src/core/cost.js';
import { FARGATE_SIZES } from '../../../src/core/fargate.js';
import { PRICE_ARCHITECTURES, PRICE_TABLE, pricedRegions } from '../../../src/core/price-table.js';

const SIZES: Array<{ cpu: number; memory: number }> = [...FARGATE_SIZES].flatMap(([cpu, memories]) =>
  memories.map((memory) => ({ cpu, memory })),
);

/** A small deterministic generator (LCG), so that failures reproduce. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const random = lcg(20261101);
const DURATIONS_MS: number[] = [
  0,
  1,
  999,
  1_000,
  59_999,
  60_000,
  60_001,
  61_000,
  600_000,
  3_600_000,
  86_400_000,
  ...Array.from({ length: 40 }, () => Math.floor(random() * 48 * 3_600_000)),
].sort((a, b) => a - b);

const START_MS = Date.parse('2026-11-01T00:00:00Z');

function cost(size: CostSize, durationMs: number): number {
  const result = computeCost({ ...size, startedAt: START_MS, stoppedAt: START_MS + durationMs });
  if (result.amount === undefined) throw new Error(`no amount: ${result.reason}`);
  return result.amount;
}

const VARIANTS: Array<Pick<CostSize, 'arch' | 'spot' | 'ephemeralStorageGiB'>> = PRICE_ARCHITECTURES.flatMap(
  (arch) =>
    [false, true].flatMap((spot) =>
      [undefined, 50].map((ephemeralStorageGiB) => ({ arch, spot, ephemeralStorageGiB })),
    ),
);

describe('cost properties', () => {
  it('the size list covers the Fargate table', () => {
    expect(SIZES.length).toBeGreaterThan(50);
    expect(SIZES).toContainEqual({ cpu: 256, memory: 512 });
    expect(SIZES).toContainEqual({ cpu: 16384, memory: 122880 });
  });

  it('never decreases when the duration grows', () => {
    const failures: string[] = [];
    for (const region of ['us-east-1', 'sa-east-1']) {
      for (const variant of VARIANTS) {
        for (const { cpu, memory } of SIZES) {
          const size: CostSize = { cpu, memory, region, ...variant };
          let previous = { duration: 0, amount: 0 };
          for (const duration of DURATIONS_MS) {
            const amount = cost(size, duration);
            if (amount < previous.amount) {
              failures.push(
                `${region} ${cpu}/${memory} ${JSON.stringify(variant)}: ${duration} ms < ${previous.duration} ms`,
              );
            }
            previous = { duration, amount };
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('never decreases when CPU or memory grows (every pair of valid sizes)', () => {
    for (const region of pricedRegions()) {
      for (const variant of VARIANTS) {
        const amounts = SIZES.map(({ cpu, memory }) => ({
          cpu,
          memory,
          amount: cost({ cpu, memory, region, ...variant }, 600_000),
        }));
        for (const a of amounts) {
          for (const b of amounts) {
            if (a.cpu <= b.cpu && a.memory <= b.memory && a.amount > b.amount) {
              throw new Error(
                `${region} ${JSON.stringify(variant)}: ${a.cpu}/${a.memory} costs ${a.amount} > ${b.cpu}/${b.memory} costs ${b.amount}`,
              );
            }
          }
        }
      }
    }
  });

  it('is positive, sums its breakdown, bills at least the duration and the minimum', () => {
    const failures: string[] = [];
    for (const region of pricedRegions()) {
      for (const variant of VARIANTS) {
        for (const { cpu, memory } of SIZES) {
          const duration = DURATIONS_MS[Math.floor(random() * DURATIONS_MS.length)] ?? 0;
          const result = computeCost({
            cpu,
            memory,
            region,
            ...variant,
            startedAt: START_MS,
            stoppedAt: START_MS + duration,
          });
          const { vcpu = 0, memory: mem = 0, storage = 0 } = result.breakdown ?? {};
          const amount = result.amount ?? Number.NaN;
          const billedMs = (result.billedSeconds ?? Number.NaN) * 1000;
          const problems = [
            result.status !== (variant.spot ? 'estimated' : 'exact') && `status ${result.status}`,
            !(amount > 0) && `amount ${amount}`,
            !(Math.abs(vcpu + mem + storage - amount) <= 1e-12 * amount) &&
              'breakdown does not sum to the amount',
            !(billedMs >= 60_000 && billedMs >= duration) && `billed ${billedMs} ms`,
            !(billedMs < Math.max(60_000, duration) + 1000) && `billed ${billedMs} ms`,
          ].filter((p): p is string => typeof p === 'string');
          if (problems.length > 0)
            failures.push(`${region} ${cpu}/${memory} ${duration} ms: ${problems.join(', ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('Spot never costs more than on-demand, and more discount never costs more', () => {
    for (const { cpu, memory } of SIZES) {
      const base: CostSize = {
        cpu,
        memory,
        arch: 'x86_64',
        region: 'us-east-1',
        spot: false,
        ephemeralStorageGiB: 40,
      };
      let previous = cost(base, 600_000);
      for (let discount = 0; discount <= 0.95; discount += 0.05) {
        const amount = cost({ ...base, spot: true, spotDiscount: Math.min(discount, 0.95) }, 600_000);
        expect(amount).toBeLessThanOrEqual(previous);
        previous = amount;
      }
    }
  });

  it('the worst case up to a timeout is never below the cost of a run that stops before it', () => {
    for (const { cpu, memory } of SIZES) {
      const size: CostSize = { cpu, memory, arch: 'arm64', region: 'eu-west-1', spot: false };
      for (const duration of DURATIONS_MS) {
        const bound = estimateUpTo(duration, size).amount ?? Number.NaN;
        expect(bound).toBeGreaterThanOrEqual(cost(size, duration));
        expect(bound).toBeGreaterThanOrEqual(cost(size, Math.floor(duration * random())));
      }
      expect(estimateUpTo(3_600_000, size).amount).toBeCloseTo(estimateHourly(size).amount ?? Number.NaN, 15);
    }
  });

  it('ARM is cheaper than x86 for the same size in every region', () => {
    for (const region of Object.keys(PRICE_TABLE.regions)) {
      for (const { cpu, memory } of SIZES) {
        const size = { cpu, memory, region, spot: false };
        expect(cost({ ...size, arch: 'arm64' }, 600_000)).toBeLessThan(
          cost({ ...size, arch: 'x86_64' }, 600_000),
        );
      }
    }
  });
});
