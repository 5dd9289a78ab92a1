import type { AwsClients } from '../aws/clients.js';
import { getCallerIdentity, type CallerIdentity } from '../aws/identity.js';
import { describeStack } from '../aws/stack.js';
import { Cache, hashKey } from '../config/cache.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import { isFailedStackStatus } from '../core/change-set.js';
import { parseStackOutputs, type StackOutputs } from '../core/stack-outputs.js';

const DAY = 24 * 60 * 60 * 1000;
export const STACK_CACHE_MAX_AGE = DAY;
export const IDENTITY_CACHE_MAX_AGE = DAY;

export interface StackContext {
  identity: CallerIdentity;
  region: string;
  stackName: string;
  outputs: StackOutputs;
}

export function stackNotFound(stackName: string, region: string, account?: string): RunvoyError {
  return new RunvoyError({
    what: `The runvoy stack "${stackName}" was not found in ${region}${account ? ` (account ${account})` : ''}.`,
    why: 'runvoy keeps its cluster, table, log group and roles in one CloudFormation stack, made by `runvoy init`.',
    fix: `Run \`runvoy init${stackName === 'runvoy' ? '' : ` --stack ${stackName}`}\` to create it, or pass the --stack and --region of an existing one.`,
    exitCode: ExitCode.StackNotFound,
    code: 'STACK_NOT_FOUND',
    data: { stack: stackName, region, account },
  });
}

/** Who is calling, from the cache when these credentials were seen before (no STS round trip). */
export async function resolveIdentity(clients: AwsClients, cache: Cache): Promise<CallerIdentity> {
  // Every command that needs the stack uses DynamoDB: its client resolves the same credentials, and the
  // STS client is loaded only when the cache misses.
  const dynamo = await clients.dynamo();
  const credentials = await dynamo.config.credentials();
  const key = `identity:${hashKey(`${credentials.accessKeyId}|${process.env.AWS_ENDPOINT_URL ?? ''}`)}`;
  const cached = cache.get<CallerIdentity>(key, IDENTITY_CACHE_MAX_AGE);
  if (cached) return cached;
  const identity = await getCallerIdentity(clients);
  cache.set(key, identity);
  return identity;
}

function stackKey(identity: CallerIdentity, region: string, stackName: string): string {
  return `stack:${identity.account}/${region}/${stackName}`;
}

/**
 * The stack's outputs, cached per account, region and stack. `refresh` skips the cache, for when an
 * error suggests the resources moved (a cluster or table that no longer exists).
 */
export async function requireStack(
  clients: AwsClients,
  stackName: string,
  options: { refresh?: boolean; cache?: Cache } = {},
): Promise<StackContext> {
  const cache = options.cache ?? new Cache();
  const [identity, region] = await Promise.all([resolveIdentity(clients, cache), clients.region()]);
  const key = stackKey(identity, region, stackName);
  if (!options.refresh) {
    const outputs = cache.get<StackOutputs>(key, STACK_CACHE_MAX_AGE);
    if (outputs) return { identity, region, stackName, outputs };
  }
  const state = await describeStack(clients, stackName);
  // REVIEW_IN_PROGRESS is the empty placeholder of a create that was never carried out.
  if (!state || state.status === 'REVIEW_IN_PROGRESS') {
    cache.delete(key);
    throw stackNotFound(stackName, region, identity.account);
  }
  if (isFailedStackStatus(state.status) && state.status !== 'UPDATE_ROLLBACK_COMPLETE') {
    throw new RunvoyError({
      what: `The runvoy stack "${stackName}" is in ${state.status}.`,
      why: state.statusReason ?? 'Its last create, update or delete failed.',
      fix: `Run \`runvoy init --stack ${stackName}\` to repair it (or \`runvoy destroy\` then \`runvoy init\` if it never finished creating).`,
      code: 'STACK_UNHEALTHY',
    });
  }
  const outputs = parseStackOutputs(stackName, state.outputs);
  cache.set(key, outputs);
  return { identity, region, stackName, outputs };
}

export function forgetStack(cache: Cache, identity: CallerIdentity, region: string, stackName: string): void {
  cache.delete(stackKey(identity, region, stackName));
}

export function rememberStack(
  cache: Cache,
  identity: CallerIdentity,
  region: string,
  stackName: string,
  outputs: StackOutputs,
): void {
  cache.set(stackKey(identity, region, stackName), outputs);
}
