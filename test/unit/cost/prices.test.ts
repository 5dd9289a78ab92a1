/**
 * The Price List refresh. The emulator does not implement the Price List API (see the integration
 * test), so GetProducts is mocked here with documents shaped like AWS's.
 */
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients, pricingRegionFor } from '../../../src/aws/clients.js';
import { fargateUsageTypes, getFargatePriceList } from '../../../src/aws/pricing.js';
import { Cache } from '../../../src/config/cache.js';
import { computeCost } from '../../../src/core/cost.js';
import { PRICE_TABLE } from '../../../src/core/price-table.js';
import {
  loadPriceTable,
  overlayRefreshed,
  PRICES_CACHE_KEY,
  refreshPrices,
} from '../../../src/services/prices.js';
import { isolatedAwsEnv, patchEnv, tempDir } from '../foundation/helpers.js';
import { EUW1_RESPONSE, USE1_RESPONSE, product } from './price-list-fixtures.js';

const pricing = mockClient(PricingClient);
let restore: () => void;
let cache: Cache;
let clients: AwsClients;

beforeEach(() => {
  pricing.reset();
  restore = patchEnv(isolatedAwsEnv({ RUNVOY_CONFIG_DIR: tempDir('runvoy-prices-') }), { clearAws: true });
  cache = new Cache();
  clients = new AwsClients({ region: 'eu-west-1' });
});

afterEach(() => {
  clients.destroy();
  restore();
});

const SIZE = { cpu: 1024, memory: 2048, arch: 'x86_64' as const, spot: false };
const TEN_MIN = { startedAt: '2026-11-01T10:00:00Z', stoppedAt: '2026-11-01T10:10:00Z' };

describe('the Price List client', () => {
  it('calls us-east-1 (or ap-south-1 from Asia-Pacific) whatever the working region', async () => {
    expect(pricingRegionFor('eu-west-1')).toBe('us-east-1');
    expect(pricingRegionFor(undefined)).toBe('us-east-1');
    expect(pricingRegionFor('ap-northeast-1')).toBe('ap-south-1');
    const real = await clients.pricing();
    expect(await real.config.region()).toBe('us-east-1');
    expect(await (await new AwsClients({ region: 'ap-southeast-2' }).pricing()).config.region()).toBe(
      'ap-south-1',
    );
  });
});

describe('getFargatePriceList', () => {
  it('asks AmazonECS for each Fargate usage type of the region, every page', async () => {
    pricing
      .on(GetProductsCommand)
      .resolves({ PriceList: [] })
      .on(GetProductsCommand, {
        Filters: [{ Type: 'TERM_MATCH', Field: 'usagetype', Value: 'EU-Fargate-GB-Hours' }],
      })
      .resolvesOnce({ PriceList: [EUW1_RESPONSE[1] as string], NextToken: 'page-2' })
      .resolvesOnce({ PriceList: [EUW1_RESPONSE[0] as string] });
    const documents = await getFargatePriceList(clients, 'eu-west-1');
    expect(documents).toEqual([EUW1_RESPONSE[1], EUW1_RESPONSE[0]]);
    const calls = pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input);
    expect(calls.every((input) => input.ServiceCode === 'AmazonECS')).toBe(true);
    expect(calls.map((input) => input.Filters?.[0]?.Value).sort()).toEqual(
      [...(fargateUsageTypes('eu-west-1') ?? []), 'EU-Fargate-GB-Hours'].sort(),
    );
    expect(calls.filter((input) => input.NextToken === 'page-2')).toHaveLength(1);
  });

  it('knows the usage types of a region, and refuses a region it has no prefix for', async () => {
    expect(fargateUsageTypes('us-east-1')).toEqual([
      'USE1-Fargate-vCPU-Hours:perCPU',
      'USE1-Fargate-GB-Hours',
      'USE1-Fargate-ARM-vCPU-Hours:perCPU',
      'USE1-Fargate-ARM-GB-Hours',
      'USE1-Fargate-EphemeralStorage-GB-Hours',
    ]);
    await expect(getFargatePriceList(clients, 'xx-nowhere-1')).rejects.toThrow(/xx-nowhere-1/);
  });
});

describe('refreshPrices', () => {
  const now = new Date('2026-11-21T08:00:00Z');

  it('caches the refreshed region, which then prices runs', async () => {
    const cheaper = EUW1_RESPONSE.map((doc) => doc.replace('"0.0404800000"', '"0.0300000000"'));
    const outcome = await refreshPrices({
      clients,
      region: 'eu-west-1',
      cache,
      now,
      fetch: async () => cheaper,
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.date).toBe('2026-11-21');
    expect(outcome.missing).toEqual([]);
    expect(outcome.prices).toMatchObject({
      x86_64: { vcpuHour: 0.03, gbHour: 0.004445 },
      storageGbHour: 0.000122,
    });
    const inUse = loadPriceTable(cache);
    expect(inUse.refreshedRegions).toEqual(['eu-west-1']);
    expect(inUse.table.regions['eu-west-1']?.source).toMatch(/Price List API .* on 2026-11-21/);
    // The other regions keep the bundled figures.
    expect(inUse.table.regions['us-east-1']).toBe(PRICE_TABLE.regions['us-east-1']);
    const cost = computeCost({ ...SIZE, ...TEN_MIN, region: 'eu-west-1', table: inUse.table });
    expect(cost.amount).toBeCloseTo((0.03 + 2 * 0.004445) / 6, 15);
    expect(cost.rates?.date).toBe('2026-11-21');
  });

  it('a second region adds to the cache', async () => {
    await refreshPrices({ clients, region: 'eu-west-1', cache, now, fetch: async () => EUW1_RESPONSE });
    await refreshPrices({ clients, region: 'us-east-1', cache, now, fetch: async () => USE1_RESPONSE });
    expect(loadPriceTable(cache).refreshedRegions).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('through the SDK: GetProducts documents become the cached table', async () => {
    pricing.on(GetProductsCommand).callsFake((input: { Filters?: Array<{ Value?: string }> }) => ({
      PriceList: EUW1_RESPONSE.filter((doc) => doc.includes(`"${input.Filters?.[0]?.Value ?? ''}"`)),
    }));
    const outcome = await refreshPrices({ clients, region: 'eu-west-1', cache, now });
    expect(outcome).toMatchObject({ ok: true, region: 'eu-west-1', missing: [] });
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(5);
  });

  it('when the API fails: nothing cached, the table in use kept, the reason given', async () => {
    const error = Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    pricing.on(GetProductsCommand).rejects(error);
    const outcome = await refreshPrices({ clients, region: 'eu-west-1', cache, now });
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'AccessDeniedException: User is not authorized to perform: pricing:GetProducts (HTTP 400)',
    });
    expect(outcome.inUse.table).toBe(PRICE_TABLE);
    expect(cache.get(PRICES_CACHE_KEY, Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('a response without Fargate prices for the region is a failure, not zeros', async () => {
    const other = [product({ usagetype: 'USE1-ECS-EC2-GB-Hours', usd: '0.01', sku: 'X1' })];
    const outcome = await refreshPrices({
      clients,
      region: 'us-east-1',
      cache,
      now,
      fetch: async () => other,
    });
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'the Price List response has no Fargate prices for us-east-1',
    });
    expect(loadPriceTable(cache).refreshedRegions).toEqual([]);
  });
});

describe('overlayRefreshed and loadPriceTable', () => {
  const row = {
    x86_64: { vcpuHour: 0.05, gbHour: 0.005 },
    arm64: { vcpuHour: 0.04, gbHour: 0.004 },
    storageGbHour: 0.0002,
    date: '2026-11-20',
    source: 'AWS Price List API (AmazonECS GetProducts) on 2026-11-20',
  };

  it('overlays whole rows no older than the bundled table', () => {
    const inUse = overlayRefreshed(PRICE_TABLE, {
      'us-east-1': row,
      'eu-west-1': { ...row, date: '2020-01-01' },
    });
    expect(inUse.refreshedRegions).toEqual(['us-east-1']);
    expect(inUse.table.regions['us-east-1']).toEqual(row);
    expect(inUse.table.regions['eu-west-1']).toBe(PRICE_TABLE.regions['eu-west-1']);
    expect(inUse.table.date).toBe(PRICE_TABLE.date);
  });

  it.each([
    ['a zero price', { ...row, x86_64: { vcpuHour: 0, gbHour: 0.005 } }],
    ['a missing architecture', { ...row, arm64: undefined }],
    ['a price as text', { ...row, storageGbHour: '0.0002' }],
    ['no date', { ...row, date: undefined }],
    ['not an object', 'garbage'],
  ])('ignores a damaged cached row: %s', (_name, damaged) => {
    expect(overlayRefreshed(PRICE_TABLE, { 'us-east-1': damaged }).refreshedRegions).toEqual([]);
  });

  it('an empty or unreadable cache means the bundled table', () => {
    expect(loadPriceTable(cache)).toEqual({ table: PRICE_TABLE, refreshedRegions: [] });
    expect(overlayRefreshed(PRICE_TABLE, null).table).toBe(PRICE_TABLE);
    const throwing = {
      get: () => {
        throw new Error('EACCES');
      },
    } as unknown as Cache;
    expect(loadPriceTable(throwing).table).toBe(PRICE_TABLE);
  });
});
