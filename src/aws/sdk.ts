import type * as ClientCloudformation from '@aws-sdk/client-cloudformation';
import type * as ClientCloudwatchLogs from '@aws-sdk/client-cloudwatch-logs';
import type * as ClientDynamodb from '@aws-sdk/client-dynamodb';
import type * as ClientEc2 from '@aws-sdk/client-ec2';
import type * as ClientEcs from '@aws-sdk/client-ecs';
import type * as ClientPricing from '@aws-sdk/client-pricing';
import type * as ClientScheduler from '@aws-sdk/client-scheduler';
import type * as ClientSts from '@aws-sdk/client-sts';
import type * as LibDynamodb from '@aws-sdk/lib-dynamodb';
import type * as UtilDynamodb from '@aws-sdk/util-dynamodb';
import { createRequire } from 'node:module';

/** The AWS SDK packages runvoy uses, by name. */
interface SdkModules {
  '@aws-sdk/client-cloudformation': typeof ClientCloudformation;
  '@aws-sdk/client-cloudwatch-logs': typeof ClientCloudwatchLogs;
  '@aws-sdk/client-dynamodb': typeof ClientDynamodb;
  '@aws-sdk/client-ec2': typeof ClientEc2;
  '@aws-sdk/client-ecs': typeof ClientEcs;
  '@aws-sdk/client-pricing': typeof ClientPricing;
  '@aws-sdk/client-scheduler': typeof ClientScheduler;
  '@aws-sdk/client-sts': typeof ClientSts;
  '@aws-sdk/lib-dynamodb': typeof LibDynamodb;
  '@aws-sdk/util-dynamodb': typeof UtilDynamodb;
}

const requireSdk = createRequire(import.meta.url);

/**
 * Loads an SDK package on first use, through `require`. Every SDK package ships CommonJS, and Node 20's
 * `import()` of a CommonJS file first scans its whole source for export names (cjs-module-lexer), which
 * on the SDK's large single-file bundles adds about 60% to the load: client-cloudwatch-logs,
 * client-dynamodb and lib-dynamodb take about 110 ms through `import()` and 67 ms through `require` (see
 * docs/performance.md). Both routes share Node's one module cache, so a class is the same object either
 * way (aws-sdk-client-mock in the tests relies on that).
 */
export async function loadSdk<Name extends keyof SdkModules>(name: Name): Promise<SdkModules[Name]> {
  return requireSdk(name) as SdkModules[Name];
}
