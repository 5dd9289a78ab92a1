/**
 * The offline Fargate price table: on-demand Linux prices in USD, per region and CPU architecture.
 *
 * runvoy prices executions from this table without any network call. `runvoy cost prices --refresh`
 * replaces a region's figures with the ones the AWS Price List API returns (see `mergeRefreshedTable` in
 * `pricing.ts`) and caches the result; the bundled table is never edited at run time.
 */

export type PriceArchitecture = 'x86_64' | 'arm64';

export const PRICE_ARCHITECTURES: readonly PriceArchitecture[] = ['x86_64', 'arm64'];

/** Per-hour prices of one architecture: per vCPU, and per GB of memory. */
export interface ArchPrices {
  readonly vcpuHour: number;
  readonly gbHour: number;
}

export interface RegionPrices {
  readonly x86_64: ArchPrices;
  readonly arm64: ArchPrices;
  /** Per GB-hour of ephemeral storage above the 20 GB included with every task. */
  readonly storageGbHour: number;
  /** Set when this region was refreshed after the table's own `date` (YYYY-MM-DD). */
  readonly date?: string;
  /** Set when this region's figures come from somewhere other than the table's `source`. */
  readonly source?: string;
}

export interface PriceTable {
  /** The date the figures are from, YYYY-MM-DD. */
  readonly date: string;
  readonly source: string;
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

function region(
  vcpuHour: number,
  gbHour: number,
  armVcpuHour: number,
  armGbHour: number,
  storageGbHour: number,
): RegionPrices {
  return Object.freeze({
    x86_64: Object.freeze({ vcpuHour, gbHour }),
    arm64: Object.freeze({ vcpuHour: armVcpuHour, gbHour: armGbHour }),
    storageGbHour,
  });
}

/**
 * Regions whose bundled figures are approximations (derived from neighbouring regions' price levels)
 * rather than figures recalled from the price list. `runvoy cost prices` should suggest `--refresh`
 * for them.
 */
export const APPROXIMATE_REGIONS: readonly string[] = Object.freeze([
  'ca-west-1',
  'mx-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-east-1',
  'me-south-1',
  'me-central-1',
  'af-south-1',
  'il-central-1',
]);

export const PRICE_TABLE: PriceTable = Object.freeze({
  // The figures were compiled from the public price list without access to it at build time; the
  // exact day they date from is not known, so the table carries the date it was assembled for.
  date: '2026-11-01',
  source:
    'AWS Fargate pricing, on-demand Linux (https://aws.amazon.com/fargate/pricing/). us-east-1 figures ' +
    'are exact; the other regions are from the public price list as of the table date and should be ' +
    'refreshed with `runvoy cost prices --refresh`.',
  // x86 vCPU-hour, x86 GB-hour, ARM vCPU-hour, ARM GB-hour, ephemeral storage GB-hour (above 20 GB).
  regions: Object.freeze({
    'us-east-1': region(0.04048, 0.004445, 0.03238, 0.00356, 0.000111),
    'us-east-2': region(0.04048, 0.004445, 0.03238, 0.00356, 0.000111),
    'us-west-1': region(0.04656, 0.00511, 0.03725, 0.00409, 0.000133),
    'us-west-2': region(0.04048, 0.004445, 0.03238, 0.00356, 0.000111),
    'ca-central-1': region(0.04456, 0.004865, 0.03565, 0.00389, 0.000122),
    'ca-west-1': region(0.04456, 0.004865, 0.03565, 0.00389, 0.000122),
    'mx-central-1': region(0.04453, 0.00489, 0.03562, 0.00391, 0.000122),
    'eu-west-1': region(0.04048, 0.004445, 0.03238, 0.00356, 0.000122),
    'eu-west-2': region(0.04656, 0.00511, 0.03725, 0.00409, 0.000129),
    'eu-west-3': region(0.04656, 0.00511, 0.03725, 0.00409, 0.000129),
    'eu-central-1': region(0.04656, 0.00511, 0.03725, 0.00409, 0.000132),
    'eu-central-2': region(0.05122, 0.00562, 0.04098, 0.0045, 0.000145),
    'eu-north-1': region(0.04245, 0.00466, 0.03396, 0.00373, 0.000116),
    'eu-south-1': region(0.04885, 0.00536, 0.03908, 0.00429, 0.000128),
    'eu-south-2': region(0.04453, 0.00489, 0.03562, 0.00391, 0.000122),
    'ap-south-1': region(0.04256, 0.00467, 0.03405, 0.00374, 0.000127),
    'ap-south-2': region(0.04256, 0.00467, 0.03405, 0.00374, 0.000127),
    'ap-southeast-1': region(0.05056, 0.00553, 0.04045, 0.00442, 0.000133),
    'ap-southeast-2': region(0.04856, 0.00532, 0.03885, 0.00426, 0.000133),
    'ap-southeast-3': region(0.05056, 0.00553, 0.04045, 0.00442, 0.000133),
    'ap-southeast-4': region(0.04856, 0.00532, 0.03885, 0.00426, 0.000133),
    'ap-northeast-1': region(0.05056, 0.00553, 0.04045, 0.00442, 0.000133),
    'ap-northeast-2': region(0.04656, 0.00511, 0.03725, 0.00409, 0.000127),
    'ap-northeast-3': region(0.05056, 0.00553, 0.04045, 0.00442, 0.000133),
    'ap-east-1': region(0.05562, 0.00609, 0.0445, 0.00487, 0.000147),
    'sa-east-1': region(0.0696, 0.0076, 0.05568, 0.00608, 0.000211),
    'me-south-1': region(0.05126, 0.00563, 0.04101, 0.0045, 0.000134),
    'me-central-1': region(0.05126, 0.00563, 0.04101, 0.0045, 0.000134),
    'af-south-1': region(0.05342, 0.00587, 0.04274, 0.0047, 0.000145),
    'il-central-1': region(0.04655, 0.00511, 0.03724, 0.00409, 0.000128),
  }),
});

/** The regions of a table, sorted. */
export function pricedRegions(table: PriceTable = PRICE_TABLE): string[] {
  return Object.keys(table.regions).sort();
}
