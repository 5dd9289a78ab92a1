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
 * Each package by a literal name, so that the bundler (scripts/build.mjs) sees and includes it; the
 * bundle initialises a package only when its loader runs, as `require` does.
 */
const bundledSdk: { [Name in keyof SdkModules]: () => Promise<SdkModules[Name]> } = {
  '@aws-sdk/client-cloudformation': () => import('@aws-sdk/client-cloudformation'),
  '@aws-sdk/client-cloudwatch-logs': () => import('@aws-sdk/client-cloudwatch-logs'),
  '@aws-sdk/client-dynamodb': () => import('@aws-sdk/client-dynamodb'),
  '@aws-sdk/client-ec2': () => import('@aws-sdk/client-ec2'),
  '@aws-sdk/client-ecs': () => import('@aws-sdk/client-ecs'),
  '@aws-sdk/client-pricing': () => import('@aws-sdk/client-pricing'),
  '@aws-sdk/client-scheduler': () => import('@aws-sdk/client-scheduler'),
  '@aws-sdk/client-sts': () => import('@aws-sdk/client-sts'),
  '@aws-sdk/lib-dynamodb': () => import('@aws-sdk/lib-dynamodb'),
  '@aws-sdk/util-dynamodb': () => import('@aws-sdk/util-dynamodb'),
};

// Set by scripts/build.mjs inside the bundle.
declare const RUNVOY_BUNDLED: boolean | undefined;

/**
 * Loads an SDK package on first use. Unbundled (tests, `node --import tsx bin/dev.js`), through
 * `require`: every SDK package ships CommonJS, and Node 20's `import()` of a CommonJS file first scans
 * its whole source for export names (cjs-module-lexer), which on the SDK's large single-file bundles adds
 * about 60% to the load (see docs/performance.md). Both routes share Node's one module cache, so a class
 * is the same object either way (aws-sdk-client-mock in the tests relies on that). In the bundle, the
 * package is part of the file and `import()` only runs its initialiser.
 */
export async function loadSdk<Name extends keyof SdkModules>(name: Name): Promise<SdkModules[Name]> {
  if (typeof RUNVOY_BUNDLED === 'boolean') return bundledSdk[name]();
  return requireSdk(name) as SdkModules[Name];
}
