/**
 * AWS Price List GetProducts documents (service code AmazonECS) in the shape the API returns them:
 * each entry of `PriceList` is one JSON string.
 */

export interface ProductSpec {
  usagetype: string;
  usd: string;
  sku: string;
  regionCode?: string;
  location?: string;
  description?: string;
  effectiveDate?: string;
  /** Extra on-demand terms (e.g. an older and a newer offer for the same SKU). */
  extraTerms?: Array<{ offerTermCode: string; effectiveDate: string; usd: string }>;
  currency?: string;
}

function term(
  sku: string,
  offerTermCode: string,
  effectiveDate: string,
  usd: string,
  description: string,
  currency: string,
) {
  const rateCode = `${sku}.${offerTermCode}.6YS6EN2CT7`;
  return {
    priceDimensions: {
      [rateCode]: {
        unit: 'hours',
        endRange: 'Inf',
        description,
        appliesTo: [],
        rateCode,
        beginRange: '0',
        pricePerUnit: { [currency]: usd },
      },
    },
    sku,
    effectiveDate,
    offerTermCode,
    termAttributes: {},
  };
}

export function product(spec: ProductSpec): string {
  const {
    usagetype,
    usd,
    sku,
    regionCode = 'us-east-1',
    location = 'US East (N. Virginia)',
    description = `AWS Fargate - ${usagetype} - ${location}`,
    effectiveDate = '2026-10-01T00:00:00Z',
    extraTerms = [],
    currency = 'USD',
  } = spec;
  const onDemand: Record<string, unknown> = {
    [`${sku}.JRTCKXETXF`]: term(sku, 'JRTCKXETXF', effectiveDate, usd, description, currency),
  };
  for (const extra of extraTerms) {
    onDemand[`${sku}.${extra.offerTermCode}`] = term(
      sku,
      extra.offerTermCode,
      extra.effectiveDate,
      extra.usd,
      description,
      currency,
    );
  }
  return JSON.stringify({
    product: {
      productFamily: 'Compute',
      attributes: {
        regionCode,
        servicecode: 'AmazonECS',
        usagetype,
        locationType: 'AWS Region',
        location,
        servicename: 'Amazon Elastic Container Service',
        operation: '',
        ...(usagetype.includes('vCPU') ? { cputype: 'perCPU' } : { memorytype: 'perGB' }),
      },
      sku,
    },
    serviceCode: 'AmazonECS',
    terms: { OnDemand: onDemand },
    version: '20261001000000',
    publicationDate: '2026-10-01T00:00:00Z',
  });
}

/** One document exactly as GetProducts returns it (us-east-1, x86 vCPU-hours). */
export const USE1_VCPU_RAW =
  '{"product":{"productFamily":"Compute","attributes":{"regionCode":"us-east-1","servicecode":"AmazonECS",' +
  '"usagetype":"USE1-Fargate-vCPU-Hours:perCPU","locationType":"AWS Region","location":"US East (N. Virginia)",' +
  '"servicename":"Amazon Elastic Container Service","operation":"","cputype":"perCPU"},"sku":"8CESGAFWKAJ98PME"},' +
  '"serviceCode":"AmazonECS","terms":{"OnDemand":{"8CESGAFWKAJ98PME.JRTCKXETXF":{"priceDimensions":' +
  '{"8CESGAFWKAJ98PME.JRTCKXETXF.6YS6EN2CT7":{"unit":"hours","endRange":"Inf","description":' +
  '"AWS Fargate - vCPU - US East (N.Virginia)","appliesTo":[],"rateCode":"8CESGAFWKAJ98PME.JRTCKXETXF.6YS6EN2CT7",' +
  '"beginRange":"0","pricePerUnit":{"USD":"0.0404800000"}}},"sku":"8CESGAFWKAJ98PME",' +
  '"effectiveDate":"2026-10-01T00:00:00Z","offerTermCode":"JRTCKXETXF","termAttributes":{}}}},' +
  '"version":"20261001000000","publicationDate":"2026-10-01T00:00:00Z"}';

/** A us-east-1 GetProducts response: the five Fargate Linux prices plus the noise around them. */
export const USE1_RESPONSE: string[] = [
  USE1_VCPU_RAW,
  product({ usagetype: 'USE1-Fargate-GB-Hours', usd: '0.0044450000', sku: 'PFVHFC8HJ3YQ9ZQM' }),
  product({ usagetype: 'USE1-Fargate-ARM-vCPU-Hours:perCPU', usd: '0.0323800000', sku: 'Q7ZGJAPFP2UPNVR5' }),
  product({ usagetype: 'USE1-Fargate-ARM-GB-Hours', usd: '0.0035600000', sku: 'V9PT7Q7TKB9M8D6Y' }),
  product({
    usagetype: 'USE1-Fargate-EphemeralStorage-GB-Hours',
    usd: '0.0001110000',
    sku: 'HZC9FAP4F9Y8JW67',
  }),
  // Noise: Windows, Spot, another region, a zero price, a malformed document, not Fargate at all.
  product({
    usagetype: 'USE1-Fargate-Windows-vCPU-Hours:perCPU',
    usd: '0.0464800000',
    sku: 'WINVCPU0000000001',
  }),
  product({
    usagetype: 'USE1-Fargate-Windows-OS-Hours:perCPU',
    usd: '0.0460000000',
    sku: 'WINOS000000000001',
  }),
  product({
    usagetype: 'USE1-SpotUsage-Fargate-vCPU-Hours:perCPU',
    usd: '0.0121440000',
    sku: 'SPOTVCPU000000001',
  }),
  product({ usagetype: 'USE1-SpotUsage-Fargate-GB-Hours', usd: '0.0013335000', sku: 'SPOTGB00000000001' }),
  product({
    usagetype: 'USW1-Fargate-vCPU-Hours:perCPU',
    usd: '0.0465600000',
    sku: 'USW1VCPU000000001',
    regionCode: 'us-west-1',
    location: 'US West (N. California)',
  }),
  product({ usagetype: 'USE1-Fargate-GB-Hours', usd: '0.0000000000', sku: 'ZEROGB00000000001' }),
  '{"product": {"attributes": {"usagetype": "USE1-Fargate-vCPU-Hours:perCPU"', // truncated
  product({ usagetype: 'USE1-ECS-EC2-GB-Hours', usd: '0.0100000000', sku: 'EC2GB000000000001' }),
];

/** A eu-west-1 response: its usage types start with "EU-". */
const EUW1_ROWS: Array<[string, string]> = [
  ['EU-Fargate-vCPU-Hours:perCPU', '0.0404800000'],
  ['EU-Fargate-GB-Hours', '0.0044450000'],
  ['EU-Fargate-ARM-vCPU-Hours:perCPU', '0.0323800000'],
  ['EU-Fargate-ARM-GB-Hours', '0.0035600000'],
  ['EU-Fargate-EphemeralStorage-GB-Hours', '0.0001220000'],
];

export const EUW1_RESPONSE: string[] = EUW1_ROWS.map(([usagetype, usd], i) =>
  product({
    usagetype,
    usd,
    sku: `EUW1SKU00000000${i}`,
    regionCode: 'eu-west-1',
    location: 'EU (Ireland)',
  }),
);
