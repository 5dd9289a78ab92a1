import { describe, expect, it } from 'vitest';
import { APPROXIMATE_REGIONS, PRICE_TABLE, pricedRegions } from '../../../src/core/price-table.js';
import { USAGE_TYPE_PREFIXES, usageTypePrefix } from '../../../src/core/pricing.js';

const COMMERCIAL_FARGATE_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'ca-west-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-east-1',
  'sa-east-1',
  'me-south-1',
  'me-central-1',
  'af-south-1',
  'il-central-1',
  'mx-central-1',
];

describe('PRICE_TABLE', () => {
  it('has the exact us-east-1 figures', () => {
    expect(PRICE_TABLE.regions['us-east-1']).toEqual({
      x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
      arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
      storageGbHour: 0.000111,
    });
  });

  it('covers every commercial region where Fargate runs', () => {
    expect(pricedRegions()).toEqual([...COMMERCIAL_FARGATE_REGIONS].sort());
  });

  it('has a date and a source that says how to refresh', () => {
    expect(PRICE_TABLE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(PRICE_TABLE.date))).toBe(false);
    expect(PRICE_TABLE.source).toContain('runvoy cost prices --refresh');
    expect(PRICE_TABLE.source).toContain('us-east-1');
  });

  it('has plausible prices everywhere: positive, ARM below x86, within a band around us-east-1', () => {
    for (const [region, row] of Object.entries(PRICE_TABLE.regions)) {
      for (const value of [
        row.x86_64.vcpuHour,
        row.x86_64.gbHour,
        row.arm64.vcpuHour,
        row.arm64.gbHour,
        row.storageGbHour,
      ]) {
        expect(Number.isFinite(value) && value > 0, region).toBe(true);
      }
      expect(row.arm64.vcpuHour, region).toBeLessThan(row.x86_64.vcpuHour);
      expect(row.arm64.gbHour, region).toBeLessThan(row.x86_64.gbHour);
      expect(row.x86_64.vcpuHour, region).toBeGreaterThanOrEqual(0.04048);
      expect(row.x86_64.vcpuHour, region).toBeLessThan(0.04048 * 2);
      // A GB of memory costs about a ninth of a vCPU in every region.
      expect(row.x86_64.vcpuHour / row.x86_64.gbHour, region).toBeGreaterThan(8);
      expect(row.x86_64.vcpuHour / row.x86_64.gbHour, region).toBeLessThan(10);
      expect(row.date, region).toBeUndefined();
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(PRICE_TABLE)).toBe(true);
    expect(Object.isFrozen(PRICE_TABLE.regions)).toBe(true);
    expect(Object.isFrozen(PRICE_TABLE.regions['us-east-1'])).toBe(true);
    expect(Object.isFrozen(PRICE_TABLE.regions['us-east-1']?.x86_64)).toBe(true);
  });

  it('lists only known regions as approximate, never us-east-1', () => {
    for (const region of APPROXIMATE_REGIONS) expect(Object.keys(PRICE_TABLE.regions)).toContain(region);
    expect(APPROXIMATE_REGIONS).not.toContain('us-east-1');
  });

  it('has a distinct usage-type prefix for every region of the table', () => {
    for (const region of pricedRegions()) expect(usageTypePrefix(region), region).toBeDefined();
    const prefixes = Object.values(USAGE_TYPE_PREFIXES);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});
