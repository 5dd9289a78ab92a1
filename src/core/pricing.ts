import { PRICE_TABLE } from './price-table.js';
import type { ArchPrices, PriceArchitecture, PriceTable, RegionPrices } from './price-table.js';

/** The prices that apply to one task: per vCPU-hour, per GB-hour, per GB-hour of extra storage. */
export interface Rates {
  readonly vcpuHour: number;
  readonly gbHour: number;
  readonly storageGbHour: number;
  readonly currency: 'USD';
  /** The date the figures are from, YYYY-MM-DD. */
  readonly date: string;
  readonly source: string;
}

/** Fargate Spot is "up to 70%" cheaper than on-demand; its price moves, so Spot costs are estimates. */
export const SPOT_DISCOUNT_DEFAULT = 0.7;
export const SPOT_DISCOUNT_MIN = 0;
export const SPOT_DISCOUNT_MAX = 0.95;

export function isValidSpotDiscount(discount: number): boolean {
  return Number.isFinite(discount) && discount >= SPOT_DISCOUNT_MIN && discount <= SPOT_DISCOUNT_MAX;
}

/** The on-demand rates of a region and architecture, or undefined when the table does not have them. */
export function ratesFor(
  region: string,
  arch: PriceArchitecture,
  table: PriceTable = PRICE_TABLE,
): Rates | undefined {
  if (!Object.hasOwn(table.regions, region)) return undefined;
  const prices = table.regions[region];
  if (!prices || (arch !== 'x86_64' && arch !== 'arm64')) return undefined;
  const archPrices = prices[arch];
  return {
    vcpuHour: archPrices.vcpuHour,
    gbHour: archPrices.gbHour,
    storageGbHour: prices.storageGbHour,
    currency: 'USD',
    date: prices.date ?? table.date,
    source: prices.source ?? table.source,
  };
}

// ---------------------------------------------------------------------------------------------------
// AWS Price List API (service code AmazonECS): parsing GetProducts documents for `cost prices --refresh`.
// ---------------------------------------------------------------------------------------------------

/** The region codes AWS puts in front of usage types, e.g. `USE1-Fargate-GB-Hours`. */
export const USAGE_TYPE_PREFIXES: Readonly<Record<string, string>> = Object.freeze({
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'ca-central-1': 'CAN1',
  'ca-west-1': 'CAN2',
  'mx-central-1': 'MXC1',
  'eu-west-1': 'EU',
  'eu-west-2': 'EUW2',
  'eu-west-3': 'EUW3',
  'eu-central-1': 'EUC1',
  'eu-central-2': 'EUC2',
  'eu-north-1': 'EUN1',
  'eu-south-1': 'EUS1',
  'eu-south-2': 'EUS2',
  'ap-south-1': 'APS3',
  'ap-south-2': 'APS5',
  'ap-southeast-1': 'APS1',
  'ap-southeast-2': 'APS2',
  'ap-southeast-3': 'APS4',
  'ap-southeast-4': 'APS6',
  'ap-northeast-1': 'APN1',
  'ap-northeast-2': 'APN2',
  'ap-northeast-3': 'APN3',
  'ap-east-1': 'APE1',
  'sa-east-1': 'SAE1',
  'me-south-1': 'MES1',
  'me-central-1': 'MEC1',
  'af-south-1': 'AFS1',
  'il-central-1': 'ILC1',
});

/** The usage-type region code of a region (us-east-1 -> USE1, eu-west-1 -> EU), or undefined if unknown. */
export function usageTypePrefix(region: string): string | undefined {
  return Object.hasOwn(USAGE_TYPE_PREFIXES, region) ? USAGE_TYPE_PREFIXES[region] : undefined;
}

/** What a Price List response gave for one region; any field may be missing. */
export interface ParsedRegionPrices {
  x86_64?: Partial<ArchPrices>;
  arm64?: Partial<ArchPrices>;
  storageGbHour?: number;
}

export type PriceField =
  'x86_64.vcpuHour' | 'x86_64.gbHour' | 'arm64.vcpuHour' | 'arm64.gbHour' | 'storageGbHour';

export const PRICE_FIELDS: readonly PriceField[] = [
  'x86_64.vcpuHour',
  'x86_64.gbHour',
  'arm64.vcpuHour',
  'arm64.gbHour',
  'storageGbHour',
];

const FARGATE_USAGE_TYPE =
  /^(?:([A-Z][A-Z0-9]*)-)?Fargate-(?:(ARM)-)?(vCPU-Hours:perCPU|GB-Hours|EphemeralStorage-GB-Hours)$/;

function fieldOf(arm: boolean, kind: string): PriceField | undefined {
  if (kind === 'EphemeralStorage-GB-Hours') return arm ? undefined : 'storageGbHour';
  const arch = arm ? 'arm64' : 'x86_64';
  return kind === 'GB-Hours' ? `${arch}.gbHour` : `${arch}.vcpuHour`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Candidate {
  price: number;
  effectiveDate: string;
  beginRange: number;
}

/** The better of two candidate prices: the most recent term, then the first tier. */
function better(a: Candidate | undefined, b: Candidate): Candidate {
  if (!a) return b;
  if (b.effectiveDate !== a.effectiveDate) return b.effectiveDate > a.effectiveDate ? b : a;
  return b.beginRange < a.beginRange ? b : a;
}

/** The on-demand USD price of one GetProducts document, or undefined when it has none above zero. */
function onDemandPrice(doc: Record<string, unknown>): Candidate | undefined {
  const terms = isRecord(doc.terms) ? doc.terms.OnDemand : undefined;
  if (!isRecord(terms)) return undefined;
  let best: Candidate | undefined;
  for (const term of Object.values(terms)) {
    if (!isRecord(term) || !isRecord(term.priceDimensions)) continue;
    const effectiveDate = typeof term.effectiveDate === 'string' ? term.effectiveDate : '';
    for (const dimension of Object.values(term.priceDimensions)) {
      if (!isRecord(dimension) || !isRecord(dimension.pricePerUnit)) continue;
      const usd = dimension.pricePerUnit.USD;
      const price = typeof usd === 'string' && usd.trim() !== '' ? Number(usd) : NaN;
      // A zero or unreadable price is never taken for a real one.
      if (!Number.isFinite(price) || price <= 0) continue;
      const begin = Number(dimension.beginRange ?? 0);
      best = better(best, { price, effectiveDate, beginRange: Number.isFinite(begin) ? begin : 0 });
    }
  }
  return best;
}

/**
 * Reads the Fargate on-demand Linux prices of one region from AWS Price List GetProducts documents
 * (the `PriceList` strings of GetProducts, service code AmazonECS). Documents of other regions, other
 * usage types (Windows, Spot, ...), malformed documents and zero prices are ignored; the fields that no
 * document gave are left out (see `missingPriceFields`).
 */
export function parsePriceListProducts(
  priceListJsonStrings: readonly string[],
  region: string,
): ParsedRegionPrices {
  const prefix = usageTypePrefix(region);
  const found = new Map<PriceField, Candidate>();
  for (const text of priceListJsonStrings) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      continue;
    }
    if (!isRecord(doc) || !isRecord(doc.product) || !isRecord(doc.product.attributes)) continue;
    const attributes = doc.product.attributes;
    const usageType = attributes.usagetype;
    if (typeof usageType !== 'string') continue;
    const match = FARGATE_USAGE_TYPE.exec(usageType);
    if (!match) continue;
    const regionCode = typeof attributes.regionCode === 'string' ? attributes.regionCode : undefined;
    if (regionCode !== undefined && regionCode !== region) continue;
    const docPrefix = match[1];
    const sameRegion =
      docPrefix === undefined
        ? regionCode === region || region === 'us-east-1' // us-east-1 usage types may carry no prefix
        : prefix !== undefined
          ? docPrefix === prefix
          : regionCode === region;
    if (!sameRegion) continue;
    const field = fieldOf(match[2] === 'ARM', match[3] ?? '');
    const candidate = field ? onDemandPrice(doc) : undefined;
    if (!field || !candidate) continue;
    found.set(field, better(found.get(field), candidate));
  }

  const parsed: ParsedRegionPrices = {};
  for (const [field, { price }] of found) {
    if (field === 'storageGbHour') {
      parsed.storageGbHour = price;
    } else {
      const [arch, key] = field.split('.') as [PriceArchitecture, keyof ArchPrices];
      parsed[arch] = { ...parsed[arch], [key]: price };
    }
  }
  return parsed;
}

function fieldValue(
  prices: ParsedRegionPrices | RegionPrices | undefined,
  field: PriceField,
): number | undefined {
  if (!prices) return undefined;
  if (field === 'storageGbHour') return prices.storageGbHour;
  const [arch, key] = field.split('.') as [PriceArchitecture, keyof ArchPrices];
  return prices[arch]?.[key];
}

/** The fields a parsed Price List response lacks, in table order. */
export function missingPriceFields(parsed: ParsedRegionPrices): PriceField[] {
  return PRICE_FIELDS.filter((field) => fieldValue(parsed, field) === undefined);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/**
 * A new table in which `region` has the refreshed prices (the cached copy that `cost prices --refresh`
 * writes). Fields the response lacked keep their previous value and are named in the region's source;
 * a region that the table did not have must come complete. The input table is not modified.
 */
export function mergeRefreshedTable(
  table: PriceTable,
  region: string,
  parsed: ParsedRegionPrices,
  date: string,
): PriceTable {
  if (!isIsoDate(date)) throw new RangeError(`price date must be YYYY-MM-DD, got "${date}"`);
  if (region.trim() === '') throw new RangeError('region must not be empty');
  const missing = missingPriceFields(parsed);
  if (missing.length === PRICE_FIELDS.length) {
    throw new Error(`the Price List response has no Fargate prices for ${region}`);
  }
  const previous = Object.hasOwn(table.regions, region) ? table.regions[region] : undefined;
  const value = (field: PriceField): number => {
    const v = fieldValue(parsed, field) ?? fieldValue(previous, field);
    if (v === undefined) {
      throw new Error(
        `the Price List response for ${region} lacks ${missing.join(', ')}, and the table has no earlier figures`,
      );
    }
    return v;
  };
  const arch = (name: PriceArchitecture): ArchPrices =>
    Object.freeze({ vcpuHour: value(`${name}.vcpuHour`), gbHour: value(`${name}.gbHour`) });
  const kept =
    missing.length > 0
      ? `; not in the response, kept from ${previous?.date ?? table.date}: ${missing.join(', ')}`
      : '';
  const refreshed: RegionPrices = Object.freeze({
    x86_64: arch('x86_64'),
    arm64: arch('arm64'),
    storageGbHour: value('storageGbHour'),
    date,
    source: `AWS Price List API (AmazonECS GetProducts) on ${date}${kept}`,
  });
  return Object.freeze({
    date: table.date,
    source: table.source,
    regions: Object.freeze({ ...table.regions, [region]: refreshed }),
  });
}
