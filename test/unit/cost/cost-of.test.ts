import { afterEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { PRICE_TABLE, type PriceTable } from '../../../src/core/price-table.js';
import { mergeRefreshedTable } from '../../../src/core/pricing.js';
import {
  costOf,
  costPatch,
  defaultPricing,
  recordCost,
  resetDefaultPricing,
} from '../../../src/services/cost-of.js';
import { executionCost } from '../../../src/services/cost-report.js';
import { PRICES_CACHE_KEY } from '../../../src/services/prices.js';
import { Cache } from '../../../src/config/cache.js';
import { patchEnv, tempDir } from '../foundation/helpers.js';

const X86_10MIN = 0.04048 / 6 + (2 * 0.004445) / 6;
const NOW = new Date('2026-11-01T12:00:00.000Z');

/** 1 vCPU, 2 GB, x86, us-east-1, pulled at 10:00 and stopped at 10:10. */
function record(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id: '01JD3K5Q8ZR7W2XG4M6N9P0A1B',
    status: 'SUCCEEDED',
    callerArn: 'arn:aws:sts::123456789012:user/moto',
    host: 'laptop',
    command: ['echo'],
    image: 'alpine:3.20',
    cpu: 1024,
    memory: 2048,
    createdAt: '2026-11-01T09:59:50.000Z',
    pullStartedAt: '2026-11-01T10:00:00.000Z',
    startedAt: '2026-11-01T10:00:20.000Z',
    stoppedAt: '2026-11-01T10:10:00.000Z',
    ...overrides,
  });
}

const OFFLINE = { table: PRICE_TABLE };

describe('costOf: billed from pullStartedAt (or the best start) to stoppedAt', () => {
  it('exact when on demand with pullStartedAt and stoppedAt', () => {
    const cost = costOf(record(), OFFLINE);
    expect(cost.status).toBe('exact');
    expect(cost.billedSeconds).toBe(600);
    expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
  });

  it('without pullStartedAt: from startedAt, an estimate', () => {
    const cost = costOf(record({ pullStartedAt: undefined }), OFFLINE);
    expect(cost.status).toBe('estimated');
    expect(cost.billedSeconds).toBe(580);
    expect(cost.reason).toBe('start time inferred');
  });

  it('without any task start: from createdAt, an estimate', () => {
    const cost = costOf(record({ pullStartedAt: undefined, startedAt: undefined }), OFFLINE);
    expect(cost.status).toBe('estimated');
    expect(cost.billedSeconds).toBe(610);
  });

  it('without stoppedAt: unavailable with the reason, never zero', () => {
    const cost = costOf(record({ stoppedAt: undefined }), OFFLINE);
    expect(cost).toMatchObject({ status: 'unavailable', reason: 'no stop time' });
    expect(cost.amount).toBeUndefined();
  });

  it('Spot as it actually ran: FARGATE_SPOT is an estimate at the configured discount', () => {
    const spot = costOf(record({ spot: true, capacityProvider: 'FARGATE_SPOT' }), {
      ...OFFLINE,
      spotDiscount: 0.5,
    });
    expect(spot.status).toBe('estimated');
    expect(spot.amount).toBeCloseTo(X86_10MIN / 2, 15);
    // Asked for Spot, fell back to on-demand: priced on demand, exactly.
    const fellBack = costOf(record({ spot: true, capacityProvider: 'FARGATE' }), OFFLINE);
    expect(fellBack.status).toBe('exact');
    expect(fellBack.amount).toBeCloseTo(X86_10MIN, 15);
  });

  it('prices with a refreshed table', () => {
    const table = mergeRefreshedTable(
      PRICE_TABLE,
      'us-east-1',
      { x86_64: { vcpuHour: 0.06, gbHour: 0.006 } },
      '2026-11-20',
    );
    expect(costOf(record(), { table }).amount).toBeCloseTo((0.06 + 0.012) / 6, 15);
  });
});

describe('costPatch: what finalisation stores', () => {
  it('the exact cost, with no reason', () => {
    const patch = costPatch(record(), OFFLINE);
    expect(patch.costStatus).toBe('exact');
    expect(patch.cost).toBeCloseTo(X86_10MIN, 15);
    expect(patch.costReason).toBeUndefined();
  });

  it('unavailable with a reason when the region has no price', () => {
    expect(costPatch(record({ region: 'xx-nowhere-1' }), OFFLINE)).toEqual({
      cost: undefined,
      costStatus: 'unavailable',
      costReason: expect.stringMatching(/no Fargate prices for region "xx-nowhere-1"/),
    });
  });

  it('a price lookup that throws marks the cost unavailable and does not throw', () => {
    const broken = {
      date: '2026-11-01',
      source: 'broken',
      get regions(): never {
        throw new Error('cache unreadable');
      },
    } as unknown as PriceTable;
    expect(costPatch(record(), { table: broken })).toEqual({
      costStatus: 'unavailable',
      costReason: 'price lookup failed: cache unreadable',
    });
  });
});

describe('recordCost and executionCost', () => {
  it('uses the cost stored at finalisation', () => {
    const stored = record({ cost: 0.5, costStatus: 'estimated', costReason: 'Fargate Spot' });
    expect(recordCost(stored, NOW, OFFLINE)).toEqual({
      status: 'estimated',
      amount: 0.5,
      reason: 'Fargate Spot',
      from: 'record',
    });
  });

  it('prices a record without a stored cost, or with an unavailable one, now', () => {
    for (const r of [record(), record({ costStatus: 'unavailable', costReason: 'no price' })]) {
      const cost = recordCost(r, NOW, OFFLINE);
      expect(cost.from).toBe('computed');
      expect(cost.status).toBe('exact');
      expect(cost.amount).toBeCloseTo(X86_10MIN, 15);
    }
  });

  it('a running execution costs what it has so far, as an estimate', () => {
    const running = record({ status: 'RUNNING', stoppedAt: undefined });
    const cost = recordCost(running, new Date('2026-11-01T10:30:00.000Z'), OFFLINE);
    expect(cost.status).toBe('estimated');
    expect(cost.amount).toBeCloseTo((0.04048 + 2 * 0.004445) / 2, 15);
  });

  it('executionCost gives the breakdown and the prices when they are the ones of the cost', () => {
    const detail = executionCost(record(), NOW, OFFLINE);
    expect(detail).toMatchObject({
      costStatus: 'exact',
      from: 'computed',
      billedSeconds: 600,
      billedFrom: '2026-11-01T10:00:00.000Z',
      billedTo: '2026-11-01T10:10:00.000Z',
      prices: { date: PRICE_TABLE.date },
      currency: 'USD',
    });
    expect(detail.cost).toBeCloseTo(X86_10MIN, 15);
    expect(detail.breakdown?.vcpu).toBeCloseTo(0.04048 / 6, 15);
    const stored = executionCost(record({ cost: 1, costStatus: 'exact' }), NOW, OFFLINE);
    expect(stored.cost).toBe(1);
    expect(stored.breakdown).toBeUndefined();
  });
});

describe('defaultPricing', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    resetDefaultPricing();
  });

  it('reads the Spot discount from RUNVOY_SPOTDISCOUNT, else the config file', async () => {
    const dir = tempDir('runvoy-cost-');
    restore = patchEnv({ RUNVOY_CONFIG_DIR: dir, RUNVOY_SPOTDISCOUNT: undefined });
    resetDefaultPricing();
    expect(defaultPricing().spotDiscount).toBeUndefined();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/config.json`, JSON.stringify({ spotDiscount: 0.5 }));
    resetDefaultPricing();
    expect(defaultPricing().spotDiscount).toBe(0.5);
    process.env.RUNVOY_SPOTDISCOUNT = '0.25';
    resetDefaultPricing();
    expect(defaultPricing().spotDiscount).toBe(0.25);
    process.env.RUNVOY_SPOTDISCOUNT = '2';
    resetDefaultPricing();
    expect(defaultPricing().spotDiscount).toBeUndefined();
    expect(defaultPricing().table).toBe(PRICE_TABLE);
  });

  it('finalisation prices with the refreshed table from the cache when there is one', () => {
    restore = patchEnv({ RUNVOY_CONFIG_DIR: tempDir('runvoy-cost-'), RUNVOY_SPOTDISCOUNT: undefined });
    new Cache().set(PRICES_CACHE_KEY, {
      'us-east-1': {
        x86_64: { vcpuHour: 0.06, gbHour: 0.006 },
        arm64: { vcpuHour: 0.05, gbHour: 0.005 },
        storageGbHour: 0.0002,
        date: '2026-11-20',
        source: 'AWS Price List API (AmazonECS GetProducts) on 2026-11-20',
      },
    });
    resetDefaultPricing();
    const patch = costPatch(record());
    expect(patch.costStatus).toBe('exact');
    expect(patch.cost).toBeCloseTo((0.06 + 2 * 0.006) / 6, 15);
  });
});
