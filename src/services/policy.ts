import { hostname } from 'node:os';
import { policyAuditId, readPolicy, writePolicyChange, type ReadPolicy } from '../aws/policy.js';
import type { StackCommandContext } from '../context.js';
import { describeIssue, ExitCode, RunvoyError, validationError } from '../core/errors.js';
import {
  applyChange,
  checkPolicySizePair,
  policyValueText,
  type PolicyChange,
  type PolicyKey,
  type PolicyValue,
  type TeamPolicy,
} from '../core/policy.js';
import type { StackContext } from './stack-context.js';

/** What the team policy's reads use: the stack's table (through the clients) and the local cache. */
export type PolicyContext = Pick<StackCommandContext, 'clients' | 'stack' | 'cache'>;

/** How long a cached policy is used without reading it: every run checks its version anyway. */
export const POLICY_CACHE_MAX_AGE = 7 * 24 * 60 * 60 * 1000;

/** The cache key of a stack's policy: per account, region and stack, like the stack's outputs. */
export function policyCacheKey(stack: StackContext): string {
  return `policy:${stack.identity.account}/${stack.region}/${stack.stackName}`;
}

/** A policy whose stored values break the rules: the run stops rather than skip a rule. */
export function malformedPolicyError(read: ReadPolicy, stack: StackContext): RunvoyError {
  const keys = read.problems.map((p) => p.field);
  return new RunvoyError({
    what: `The team policy in table ${stack.outputs.tableName} has values runvoy cannot use: ${read.problems.map(describeIssue).join(' ')}`,
    why: 'runvoy did not write them in this shape: the item was edited by hand or by another tool. A run does not go on under a policy it cannot read whole.',
    fix: `An admin can repair it with \`runvoy policy set KEY VALUE\` or \`runvoy policy unset KEY\` (${keys.join(', ')}).`,
    exitCode: ExitCode.Failure,
    code: 'MALFORMED_POLICY',
    data: { problems: read.problems },
  });
}

/**
 * The policy a run decides under: the cached one when there is one (no request), else read and cached.
 * `fresh` reads it whatever the cache says (after the start transaction found its version changed).
 */
export async function teamPolicyForRun(
  ctx: PolicyContext,
  options: { fresh?: boolean } = {},
): Promise<{ policy: TeamPolicy; cached: boolean }> {
  const { cache } = ctx;
  const key = policyCacheKey(ctx.stack);
  if (!options.fresh) {
    const cached = cache.get<TeamPolicy>(key, POLICY_CACHE_MAX_AGE);
    if (cached && typeof cached.version === 'number' && cached.values)
      return { policy: cached, cached: true };
  }
  const read = await readPolicy(await ctx.clients.documents(), ctx.stack.outputs.tableName);
  if (read.problems.length > 0) {
    cache.delete(key);
    throw malformedPolicyError(read, ctx.stack);
  }
  cache.set(key, read.policy);
  return { policy: read.policy, cached: false };
}

/** The policy as it is in the table now (policy get and list), and the cache brought up to date. */
export async function currentPolicy(ctx: PolicyContext): Promise<ReadPolicy> {
  const read = await readPolicy(await ctx.clients.documents(), ctx.stack.outputs.tableName);
  if (read.problems.length === 0) ctx.cache.set(policyCacheKey(ctx.stack), read.policy);
  return read;
}

export interface PolicyChangeResult {
  key: PolicyKey;
  /** The value before, as text; `(unset)` when there was none. */
  old: string;
  new: string;
  changed: boolean;
  version: number;
  by: string;
}

const MAX_ATTEMPTS = 5;

/**
 * `policy set` and `policy unset`: reads the policy, checks the change against it (the cpu/memory pair),
 * and writes it conditional on the version read, with its audit event, in one transaction. When another
 * admin wrote first, it reads again and goes again, so both changes land and each audit event names the
 * value it replaced. A change that changes nothing writes nothing.
 */
export async function changePolicy(
  ctx: Pick<StackCommandContext, 'clients' | 'stack' | 'cache' | 'clock'>,
  change: PolicyChange,
): Promise<PolicyChangeResult> {
  const actorArn = ctx.stack.identity.arn;
  const doc = await ctx.clients.documents();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const read = await readPolicy(doc, ctx.stack.outputs.tableName);
    const { policy } = read;
    const before = policy.values[change.key];
    const result = (changed: boolean, version: number): PolicyChangeResult => ({
      key: change.key,
      old: policyValueText(change.key, before),
      new: policyValueText(change.key, change.value),
      changed,
      version,
      by: actorArn,
    });
    if (sameValue(before, change.value)) return result(false, policy.version);
    const pair = checkPolicySizePair(applyChange(policy.values, change));
    if (pair && (change.key === 'cpu' || change.key === 'memory')) {
      throw validationError([
        { ...pair, hint: `The team policy's cpu is ${policyValueText('cpu', policy.values.cpu)}.` },
      ]);
    }
    const at = new Date(ctx.clock.now()).toISOString();
    const audit = {
      id: policyAuditId(policy.version + 1),
      at,
      action: change.value === undefined ? ('policy-unset' as const) : ('policy-set' as const),
      actorArn,
      host: hostname(),
      detail: {
        key: change.key,
        old: before ?? null,
        new: change.value ?? null,
        version: policy.version + 1,
      },
    };
    if (
      await writePolicyChange(doc, ctx.stack.outputs.tableName, {
        read: policy,
        change,
        actorArn,
        at,
        audit,
      })
    ) {
      const values = applyChange(policy.values, change);
      const written: TeamPolicy = { version: policy.version + 1, values, updatedAt: at, updatedBy: actorArn };
      if (read.problems.length === 0) ctx.cache.set(policyCacheKey(ctx.stack), written);
      return result(true, written.version);
    }
  }
  throw new RunvoyError({
    what: `The team policy kept changing while runvoy was writing ${change.key}: ${MAX_ATTEMPTS} attempts, each found a newer version.`,
    why: 'Every change is written only on the version it was decided on, so that no change is lost.',
    fix: 'Run the command again; `runvoy policy list` shows the policy now.',
    code: 'POLICY_CONTENDED',
  });
}

function sameValue(a: PolicyValue | undefined, b: PolicyValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
