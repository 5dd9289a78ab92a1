import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { APPROXIMATE_REGIONS, pricedRegions, type RegionPrices } from '../../core/price-table.js';
import type { PriceField } from '../../core/pricing.js';

interface PricesResult {
  date: string;
  source: string;
  /** The region runvoy works in, when known. */
  region?: string;
  regions: Record<
    string,
    RegionPrices & { date: string; source: string; refreshed: boolean; approximate: boolean }
  >;
  refresh?:
    | { ok: true; region: string; date: string; missing: PriceField[] }
    | { ok: false; region: string; reason: string };
  currency: 'USD';
  unit: 'per hour';
}

export default class CostPrices extends RunvoyCommand<PricesResult> {
  static override summary =
    'Show the Fargate price table in use, with its date and source; --refresh updates it from AWS.';
  static override description = `runvoy prices executions from an offline table of on-demand Linux prices (per vCPU-hour, per GB-hour, per GB-hour of ephemeral storage above 20 GB), by region and architecture.
--refresh asks the AWS Price List API (service AmazonECS) for the current region's prices and keeps them in the cache (cache.json in the cache directory); when that fails, the table in use stays as it was and the reason is printed.
Fargate Spot is priced at a discount (config spotDiscount, default 0.7) and reported as an estimate.`;
  static override examples = [
    '<%= config.bin %> cost prices',
    '<%= config.bin %> cost prices --refresh --region eu-west-1',
  ];
  static override flags = {
    refresh: Flags.boolean({
      description: "Fetch the region's prices from the AWS Price List API and cache them.",
    }),
  };

  protected async execute(): Promise<PricesResult> {
    const { flags } = await this.parse(CostPrices);
    const { loadPriceTable, refreshPrices } = await import('../../services/prices.js');
    let region = this.typedSettings().region;
    let refresh: PricesResult['refresh'];
    let inUse = loadPriceTable();
    if (flags.refresh) {
      const clients = await this.aws();
      region ??= await clients.region();
      const outcome = await refreshPrices({ clients, region });
      inUse = outcome.inUse;
      refresh = outcome.ok
        ? { ok: true, region: outcome.region, date: outcome.date, missing: outcome.missing }
        : { ok: false, region: outcome.region, reason: outcome.reason };
      const { resetDefaultPricing } = await import('../../services/cost-of.js');
      resetDefaultPricing();
    } else if (region === undefined) {
      region = await this.aws()
        .then((clients) => clients.region())
        .catch(() => undefined);
    }
    const refreshed = new Set(inUse.refreshedRegions);
    const regions: PricesResult['regions'] = {};
    for (const name of pricedRegions(inUse.table)) {
      const row = inUse.table.regions[name] as RegionPrices;
      regions[name] = {
        ...row,
        date: row.date ?? inUse.table.date,
        source: row.source ?? inUse.table.source,
        refreshed: refreshed.has(name),
        approximate: !refreshed.has(name) && APPROXIMATE_REGIONS.includes(name),
      };
    }
    return {
      date: inUse.table.date,
      source: inUse.table.source,
      ...(region ? { region } : {}),
      regions,
      ...(refresh ? { refresh } : {}),
      currency: 'USD',
      unit: 'per hour',
    };
  }

  protected render(result: PricesResult): void {
    if (result.refresh?.ok) {
      const kept =
        result.refresh.missing.length > 0
          ? ` (kept earlier figures for ${result.refresh.missing.join(', ')})`
          : '';
      this.note(
        `Refreshed the prices of ${result.refresh.region} from the AWS Price List API on ${result.refresh.date}${kept}.`,
      );
    } else if (result.refresh) {
      const current = result.region ? result.regions[result.region] : undefined;
      this.note(
        this.paintErr(
          'yellow',
          `Could not refresh the prices of ${result.refresh.region}: ${result.refresh.reason}.`,
        ) +
          `\nKept the table in use: ${current?.refreshed ? `the refresh of ${current.date}` : `the offline table of ${result.date}`}.`,
      );
    }
    const header = ['REGION', 'X86 VCPU', 'X86 GB', 'ARM VCPU', 'ARM GB', 'STORAGE GB', 'DATE', ''];
    const rows = Object.entries(result.regions).map(([name, row]) => [
      name,
      String(row.x86_64.vcpuHour),
      String(row.x86_64.gbHour),
      String(row.arm64.vcpuHour),
      String(row.arm64.gbHour),
      String(row.storageGbHour),
      row.date,
      [
        name === result.region ? 'in use' : '',
        row.refreshed ? 'refreshed' : '',
        row.approximate ? 'approximate' : '',
      ]
        .filter(Boolean)
        .join(', '),
    ]);
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    this.log(`Fargate on-demand Linux prices, USD per hour (storage: per GB above the included 20 GB).`);
    this.log(`Table of ${result.date}: ${result.source}`);
    for (const [index, row] of all.entries()) {
      const line = row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
      this.log(index === 0 || row[0] === result.region ? this.paint('bold', line) : line);
    }
    const current = result.region ? result.regions[result.region] : undefined;
    if (result.region && !current) {
      this.note(
        `${result.region} is not in the table: its runs are priced as unavailable until \`runvoy cost prices --refresh\` succeeds.`,
      );
    } else if (current?.refreshed) {
      this.note(`${result.region}: ${current.source}`);
    }
  }
}
