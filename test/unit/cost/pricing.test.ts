import { describe, expect, it } from 'vitest';
import { PRICE_TABLE } from '../../../src/core/price-table.js';
import {
  PRICE_FIELDS,
  SPOT_DISCOUNT_DEFAULT,
  isValidSpotDiscount,
  mergeRefreshedTable,
  missingPriceFields,
  parsePriceListProducts,
  ratesFor,
  usageTypePrefix,
} from '../../../src/core/pricing.js';
import { EUW1_RESPONSE, USE1_RESPONSE, USE1_VCPU_RAW, product } from './price-list-fixtures.js';

const USE1_PRICES = {
  x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
  arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
  storageGbHour: 0.000111,
};

describe('ratesFor', () => {
  it('gives the rates of a region and architecture with the table date and source', () => {
    expect(ratesFor('us-east-1', 'x86_64')).toEqual({
      vcpuHour: 0.04048,
      gbHour: 0.004445,
      storageGbHour: 0.000111,
      currency: 'USD',
      date: PRICE_TABLE.date,
      source: PRICE_TABLE.source,
    });
    expect(ratesFor('us-east-1', 'arm64')).toMatchObject({ vcpuHour: 0.03238, gbHour: 0.00356 });
  });

  it.each(['nowhere-1', '', '__proto__', 'toString', 'constructor'])('has none for region %j', (region) => {
    expect(ratesFor(region, 'x86_64')).toBeUndefined();
  });

  it('has none for an unknown architecture', () => {
    expect(ratesFor('us-east-1', 'mips' as never)).toBeUndefined();
  });

  it('defaults the Spot discount to 70% and accepts 0..0.95', () => {
    expect(SPOT_DISCOUNT_DEFAULT).toBe(0.7);
    for (const ok of [0, 0.3, 0.7, 0.95]) expect(isValidSpotDiscount(ok)).toBe(true);
    for (const bad of [-0.01, 0.951, 1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(isValidSpotDiscount(bad)).toBe(false);
  });
});

describe('usageTypePrefix', () => {
  it.each([
    ['us-east-1', 'USE1'],
    ['us-east-2', 'USE2'],
    ['us-west-1', 'USW1'],
    ['us-west-2', 'USW2'],
    ['eu-west-1', 'EU'],
    ['eu-west-2', 'EUW2'],
    ['eu-central-1', 'EUC1'],
    ['eu-north-1', 'EUN1'],
    ['ap-south-1', 'APS3'],
    ['ap-southeast-1', 'APS1'],
    ['ap-southeast-2', 'APS2'],
    ['ap-southeast-3', 'APS4'],
    ['ap-northeast-1', 'APN1'],
    ['ap-east-1', 'APE1'],
    ['sa-east-1', 'SAE1'],
    ['ca-central-1', 'CAN1'],
    ['me-south-1', 'MES1'],
    ['af-south-1', 'AFS1'],
    ['il-central-1', 'ILC1'],
  ])('%s -> %s', (region, prefix) => {
    expect(usageTypePrefix(region)).toBe(prefix);
  });

  it('is undefined for an unknown region', () => {
    expect(usageTypePrefix('xx-east-9')).toBeUndefined();
    expect(usageTypePrefix('__proto__')).toBeUndefined();
  });
});

describe('parsePriceListProducts', () => {
  it('reads a raw GetProducts document', () => {
    expect(parsePriceListProducts([USE1_VCPU_RAW], 'us-east-1')).toEqual({ x86_64: { vcpuHour: 0.04048 } });
  });

  it('reads the five Fargate Linux prices of us-east-1 and ignores the noise around them', () => {
    const parsed = parsePriceListProducts(USE1_RESPONSE, 'us-east-1');
    expect(parsed).toEqual(USE1_PRICES);
    expect(missingPriceFields(parsed)).toEqual([]);
  });

  it('does not take another region prices', () => {
    expect(parsePriceListProducts(USE1_RESPONSE, 'us-west-1')).toEqual({ x86_64: { vcpuHour: 0.04656 } });
    expect(parsePriceListProducts(USE1_RESPONSE, 'eu-west-1')).toEqual({});
    expect(parsePriceListProducts(EUW1_RESPONSE, 'us-east-1')).toEqual({});
  });

  it('reads eu-west-1, whose usage types start with EU-', () => {
    expect(parsePriceListProducts(EUW1_RESPONSE, 'eu-west-1')).toEqual({
      x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
      arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
      storageGbHour: 0.000122,
    });
  });

  it('trusts the usage-type prefix over a missing regionCode, and regionCode over a missing prefix', () => {
    const noRegionCode = JSON.stringify({
      ...JSON.parse(product({ usagetype: 'APN1-Fargate-GB-Hours', usd: '0.0055300000', sku: 'A' })),
      product: { attributes: { usagetype: 'APN1-Fargate-GB-Hours' }, sku: 'A' },
    });
    expect(parsePriceListProducts([noRegionCode], 'ap-northeast-1')).toEqual({ x86_64: { gbHour: 0.00553 } });
    expect(parsePriceListProducts([noRegionCode], 'ap-northeast-2')).toEqual({});

    const noPrefix = product({
      usagetype: 'Fargate-GB-Hours',
      usd: '0.0051100000',
      sku: 'B',
      regionCode: 'ap-northeast-2',
    });
    expect(parsePriceListProducts([noPrefix], 'ap-northeast-2')).toEqual({ x86_64: { gbHour: 0.00511 } });
    expect(parsePriceListProducts([noPrefix], 'ap-northeast-1')).toEqual({});

    // us-east-1 usage types sometimes come without a prefix.
    const bare = JSON.stringify({
      ...JSON.parse(product({ usagetype: 'Fargate-vCPU-Hours:perCPU', usd: '0.0404800000', sku: 'C' })),
      product: { attributes: { usagetype: 'Fargate-vCPU-Hours:perCPU' }, sku: 'C' },
    });
    expect(parsePriceListProducts([bare], 'us-east-1')).toEqual({ x86_64: { vcpuHour: 0.04048 } });
    expect(parsePriceListProducts([bare], 'us-east-2')).toEqual({});
  });

  it('rejects a document whose regionCode disagrees with the region asked for', () => {
    const mislabelled = product({
      usagetype: 'USE1-Fargate-GB-Hours',
      usd: '0.0050000000',
      sku: 'D',
      regionCode: 'us-east-2',
    });
    expect(parsePriceListProducts([mislabelled], 'us-east-1')).toEqual({});
  });

  it('takes the most recent on-demand term', () => {
    const doc = product({
      usagetype: 'USE1-Fargate-vCPU-Hours:perCPU',
      usd: '0.0506000000',
      sku: 'E',
      effectiveDate: '2019-01-01T00:00:00Z',
      extraTerms: [
        { offerTermCode: 'NEWER00001', effectiveDate: '2026-10-01T00:00:00Z', usd: '0.0404800000' },
      ],
    });
    expect(parsePriceListProducts([doc], 'us-east-1')).toEqual({ x86_64: { vcpuHour: 0.04048 } });
    const older = product({
      usagetype: 'USE1-Fargate-vCPU-Hours:perCPU',
      usd: '0.0506000000',
      sku: 'F',
      effectiveDate: '2019-01-01T00:00:00Z',
    });
    expect(parsePriceListProducts([USE1_VCPU_RAW, older], 'us-east-1')).toEqual({
      x86_64: { vcpuHour: 0.04048 },
    });
    expect(parsePriceListProducts([older, USE1_VCPU_RAW], 'us-east-1')).toEqual({
      x86_64: { vcpuHour: 0.04048 },
    });
  });

  it('ignores zero, unreadable and non-USD prices and malformed documents', () => {
    const docs = [
      product({ usagetype: 'USE1-Fargate-GB-Hours', usd: '0.0000000000', sku: 'G' }),
      product({ usagetype: 'USE1-Fargate-GB-Hours', usd: 'n/a', sku: 'H' }),
      product({ usagetype: 'USE1-Fargate-GB-Hours', usd: '', sku: 'I' }),
      product({ usagetype: 'USE1-Fargate-GB-Hours', usd: '0.0300000000', sku: 'J', currency: 'CNY' }),
      product({ usagetype: 'USE1-Fargate-ARM-EphemeralStorage-GB-Hours', usd: '0.0001', sku: 'K' }),
      'not json',
      'null',
      '[]',
      '{"product":{"attributes":{"usagetype":"USE1-Fargate-GB-Hours"}}}',
      '{"product":{"attributes":{"usagetype":"USE1-Fargate-GB-Hours"}},"terms":{"OnDemand":{"x":{"priceDimensions":{"y":null}}}}}',
      '{"product":{"attributes":{"usagetype":42}}}',
    ];
    const parsed = parsePriceListProducts(docs, 'us-east-1');
    expect(parsed).toEqual({});
    expect(missingPriceFields(parsed)).toEqual(PRICE_FIELDS);
  });

  it('reports which fields are missing', () => {
    const parsed = parsePriceListProducts(USE1_RESPONSE.slice(0, 3), 'us-east-1');
    expect(missingPriceFields(parsed)).toEqual(['arm64.gbHour', 'storageGbHour']);
  });
});

describe('mergeRefreshedTable', () => {
  it('returns a new table with the refreshed region, dated and sourced, and leaves the input alone', () => {
    const parsed = { ...USE1_PRICES, x86_64: { vcpuHour: 0.041, gbHour: 0.0045 } };
    const merged = mergeRefreshedTable(PRICE_TABLE, 'us-east-1', parsed, '2026-11-20');
    expect(merged).not.toBe(PRICE_TABLE);
    expect(merged.regions['us-east-1']).toMatchObject({ ...parsed, date: '2026-11-20' });
    expect(merged.regions['us-east-1']?.source).toBe(
      'AWS Price List API (AmazonECS GetProducts) on 2026-11-20',
    );
    expect(merged.date).toBe(PRICE_TABLE.date);
    expect(merged.regions['eu-west-1']).toEqual(PRICE_TABLE.regions['eu-west-1']);
    expect(PRICE_TABLE.regions['us-east-1']?.x86_64.vcpuHour).toBe(0.04048);
    expect(ratesFor('us-east-1', 'x86_64', merged)).toMatchObject({ vcpuHour: 0.041, date: '2026-11-20' });
    expect(ratesFor('eu-west-1', 'x86_64', merged)?.date).toBe(PRICE_TABLE.date);
    expect(Object.isFrozen(merged.regions)).toBe(true);
  });

  it('round-trips a parsed Price List response', () => {
    const merged = mergeRefreshedTable(
      PRICE_TABLE,
      'eu-west-1',
      parsePriceListProducts(EUW1_RESPONSE, 'eu-west-1'),
      '2026-11-21',
    );
    expect(ratesFor('eu-west-1', 'arm64', merged)).toMatchObject({
      vcpuHour: 0.03238,
      gbHour: 0.00356,
      storageGbHour: 0.000122,
      date: '2026-11-21',
    });
  });

  it('keeps previous figures for fields the response lacks, and says so', () => {
    const merged = mergeRefreshedTable(PRICE_TABLE, 'us-east-1', { arm64: { vcpuHour: 0.03 } }, '2026-11-20');
    expect(merged.regions['us-east-1']).toMatchObject({
      x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
      arm64: { vcpuHour: 0.03, gbHour: 0.00356 },
      storageGbHour: 0.000111,
    });
    expect(merged.regions['us-east-1']?.source).toMatch(
      /kept from 2026-11-01: x86_64\.vcpuHour, x86_64\.gbHour, arm64\.gbHour, storageGbHour$/,
    );
  });

  it('adds a new region only when the response is complete', () => {
    const added = mergeRefreshedTable(PRICE_TABLE, 'ap-southeast-5', USE1_PRICES, '2026-11-20');
    expect(ratesFor('ap-southeast-5', 'x86_64', added)?.vcpuHour).toBe(0.04048);
    expect(() =>
      mergeRefreshedTable(PRICE_TABLE, 'ap-southeast-5', { x86_64: { vcpuHour: 0.05 } }, '2026-11-20'),
    ).toThrow(/ap-southeast-5 lacks x86_64\.gbHour/);
  });

  it('refuses an empty response, a bad date and an empty region', () => {
    expect(() => mergeRefreshedTable(PRICE_TABLE, 'us-east-1', {}, '2026-11-20')).toThrow(
      /no Fargate prices for us-east-1/,
    );
    for (const date of ['2026-13-01', '2026-02-30', '20261120', 'today', '']) {
      expect(() => mergeRefreshedTable(PRICE_TABLE, 'us-east-1', USE1_PRICES, date)).toThrow(/YYYY-MM-DD/);
    }
    expect(() => mergeRefreshedTable(PRICE_TABLE, ' ', USE1_PRICES, '2026-11-20')).toThrow(/region/);
  });
});
