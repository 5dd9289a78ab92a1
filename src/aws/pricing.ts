import type { AwsClients } from './clients.js';
import { loadSdk } from './sdk.js';
import { usageTypePrefix } from '../core/pricing.js';

/** The Fargate Linux usage types runvoy prices from, without their region prefix. */
export const FARGATE_USAGE_KINDS = [
  'Fargate-vCPU-Hours:perCPU',
  'Fargate-GB-Hours',
  'Fargate-ARM-vCPU-Hours:perCPU',
  'Fargate-ARM-GB-Hours',
  'Fargate-EphemeralStorage-GB-Hours',
] as const;

/** The usage types of a region, e.g. `USE1-Fargate-GB-Hours`; undefined for a region with no known prefix. */
export function fargateUsageTypes(region: string): string[] | undefined {
  const prefix = usageTypePrefix(region);
  return prefix === undefined ? undefined : FARGATE_USAGE_KINDS.map((kind) => `${prefix}-${kind}`);
}

function asJsonStrings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown) =>
    typeof entry === 'string' || entry instanceof String ? String(entry) : JSON.stringify(entry),
  );
}

/**
 * The AWS Price List documents (GetProducts, service code AmazonECS) of a region's Fargate usage types:
 * one filtered query per usage type, every page. Parse them with `parsePriceListProducts`.
 */
export async function getFargatePriceList(clients: AwsClients, region: string): Promise<string[]> {
  const usageTypes = fargateUsageTypes(region);
  if (!usageTypes) {
    throw new Error(`runvoy does not know the Price List usage-type prefix of region ${region}`);
  }
  const [{ GetProductsCommand }, pricing] = await Promise.all([
    loadSdk('@aws-sdk/client-pricing'),
    clients.pricing(),
  ]);
  const pages = await Promise.all(
    usageTypes.map(async (usageType) => {
      const documents: string[] = [];
      let token: string | undefined;
      do {
        const out = await pricing.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonECS',
            FormatVersion: 'aws_v1',
            Filters: [{ Type: 'TERM_MATCH', Field: 'usagetype', Value: usageType }],
            MaxResults: 100,
            NextToken: token,
          }),
        );
        documents.push(...asJsonStrings(out.PriceList));
        token = out.NextToken;
      } while (token);
      return documents;
    }),
  );
  return pages.flat();
}
