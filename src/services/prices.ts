import type { AwsClients } from '../aws/clients.js';
import { Cache } from '../config/cache.js';
import { PRICE_TABLE, type PriceTable, type RegionPrices } from '../core/price-table.js';
import {
  mergeRefreshedTable,
  missingPriceFields,
  parsePriceListProducts,
  type PriceField,
} from '../core/pricing.js';

/** The cache entry of refreshed regions: `{ [region]: RegionPrices }`, each with its own date and source. */
export const PRICES_CACHE_KEY = 'prices:refreshed-regions';

export interface PriceTableInUse {
  table: PriceTable;
  /** Regions whose figures come from a refresh (`cost prices --refresh`) rather than the bundled table. */
  refreshedRegions: string[];
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** A cached row is used only when it is whole: a damaged cache must never price anything at zero. */
function isRegionPrices(value: unknown): value is RegionPrices {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const arch = (a: unknown) =>
    typeof a === 'object' &&
    a !== null &&
    isPositive((a as Record<string, unknown>).vcpuHour) &&
    isPositive((a as Record<string, unknown>).gbHour);
  return (
    arch(row.x86_64) &&
    arch(row.arm64) &&
    isPositive(row.storageGbHour) &&
    typeof row.date === 'string' &&
    typeof row.source === 'string'
  );
}

/**
 * Overlays refreshed regions on the bundled table. A refreshed row older than the bundled table (a newer
 * runvoy ships newer figures) is left out.
 */
export function overlayRefreshed(bundled: PriceTable, cached: unknown): PriceTableInUse {
  if (typeof cached !== 'object' || cached === null) return { table: bundled, refreshedRegions: [] };
  const rows: Record<string, RegionPrices> = {};
  for (const [region, row] of Object.entries(cached as Record<string, unknown>)) {
    if (isRegionPrices(row) && (row.date ?? '') >= bundled.date) rows[region] = row;
  }
  const refreshedRegions = Object.keys(rows).sort();
  if (refreshedRegions.length === 0) return { table: bundled, refreshedRegions };
  return {
    table: { date: bundled.date, source: bundled.source, regions: { ...bundled.regions, ...rows } },
    refreshedRegions,
  };
}

/**
 * The price table runvoy prices with: the bundled one, with the regions `cost prices --refresh` cached.
 * Never throws: an unreadable cache means the bundled table.
 */
export function loadPriceTable(cache?: Cache): PriceTableInUse {
  try {
    const store = cache ?? new Cache();
    return overlayRefreshed(PRICE_TABLE, store.get<unknown>(PRICES_CACHE_KEY, Number.POSITIVE_INFINITY));
  } catch {
    return { table: PRICE_TABLE, refreshedRegions: [] };
  }
}

export type RefreshOutcome =
  | {
      ok: true;
      region: string;
      date: string;
      /** Fields the response lacked; they kept their earlier figures. */
      missing: PriceField[];
      prices: RegionPrices;
      inUse: PriceTableInUse;
    }
  | { ok: false; region: string; reason: string; inUse: PriceTableInUse };

/**
 * Refreshes one region's prices from the AWS Price List API and caches them. When the API fails or has no
 * Fargate prices for the region, nothing is cached and the table in use (offline, or an earlier refresh)
 * is returned with the reason.
 */
export async function refreshPrices(deps: {
  clients: AwsClients;
  region: string;
  cache?: Cache;
  now?: Date;
  /** Fetches the Price List documents; by default `getFargatePriceList`. */
  fetch?: (clients: AwsClients, region: string) => Promise<string[]>;
}): Promise<RefreshOutcome> {
  const cache = deps.cache ?? new Cache();
  const inUse = loadPriceTable(cache);
  const date = (deps.now ?? new Date()).toISOString().slice(0, 10);
  try {
    const fetch = deps.fetch ?? (await import('../aws/pricing.js')).getFargatePriceList;
    const documents = await fetch(deps.clients, deps.region);
    const parsed = parsePriceListProducts(documents, deps.region);
    const merged = mergeRefreshedTable(inUse.table, deps.region, parsed, date);
    const prices = merged.regions[deps.region] as RegionPrices;
    const previous = cache.get<Record<string, unknown>>(PRICES_CACHE_KEY, Number.POSITIVE_INFINITY);
    const rows = typeof previous === 'object' && previous !== null ? previous : {};
    cache.set(PRICES_CACHE_KEY, { ...rows, [deps.region]: prices });
    return {
      ok: true,
      region: deps.region,
      date,
      missing: missingPriceFields(parsed),
      prices,
      inUse: loadPriceTable(cache),
    };
  } catch (error) {
    return { ok: false, region: deps.region, reason: describeFailure(error), inUse };
  }
}

function describeFailure(error: unknown): string {
  const err = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  // An endpoint that does not implement the Price List API (an emulator) answers with an HTML page.
  if (err.name === 'SyntaxError' || /Deserialization error|Unexpected token '<'/.test(err.message ?? '')) {
    return `the Price List endpoint did not answer like the AWS Price List API${status ? ` (HTTP ${status})` : ''}`;
  }
  const text = (err.message ?? String(error)).split('\n')[0] ?? '';
  return `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${text}${status ? ` (HTTP ${status})` : ''}`;
}
