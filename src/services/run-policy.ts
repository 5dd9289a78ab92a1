import { PolicyChanged, policyVersionGuard } from '../aws/policy.js';
import type { TransactGuard } from '../aws/store.js';
import { ExitCode, RunvoyError, UsageError, describeIssue, type ValidationIssue } from '../core/errors.js';
import { checkImageAllowed, decideConcurrency, decideTimeout, type TeamPolicy } from '../core/policy.js';
import type { RunRequest } from '../core/run-request.js';
import type { StackCommandContext } from '../context.js';
import { teamPolicyForRun, type PolicyContext } from './policy.js';

/** A run the team policy refuses (an image it does not allow, a timeout above its maximum): exit 2. */
export function policyRefusal(issue: ValidationIssue): UsageError {
  return new UsageError({
    code: 'POLICY',
    what: `Refused by the team policy: ${describeIssue(issue)}`,
    why: "The team policy is kept in the stack's table and holds for everyone who uses it (`runvoy policy list`).",
    fix: 'Change the run as the policy says. Nothing was started.',
    data: { issues: [issue] },
  });
}

/** No image anywhere: not as a flag, in the environment, the config, a task file, or the team policy. */
export function noImageError(why?: string): UsageError {
  return new UsageError({
    code: 'VALIDATION',
    what: '--image: no image was given, and there is no default for it.',
    why: why ?? "--image, RUNVOY_IMAGE, the config key image and the team policy's image are all unset.",
    fix: "Pass --image, set a default with `runvoy config set image IMAGE`, or ask an admin to set the team's with `runvoy policy set image IMAGE`. Nothing was started.",
    data: { issues: [{ field: '--image', value: '', allowed: 'an image reference' }] },
  });
}

/**
 * The policy's rules that do not need the records: the longest timeout (a run without one gets it) and
 * the allowed images. Returns the request to run and the notes to show.
 */
export function applyRunRules(
  request: RunRequest,
  policy: TeamPolicy,
  fields: { image: string; timeout: string },
): { request: RunRequest; notes: string[] } {
  const timeout = decideTimeout(request.timeoutMs, policy, fields.timeout);
  if ('issue' in timeout) throw policyRefusal(timeout.issue);
  const image = checkImageAllowed(request.image, policy, fields.image);
  if (image) throw policyRefusal(image);
  return {
    request: timeout.timeoutMs === request.timeoutMs ? request : { ...request, timeoutMs: timeout.timeoutMs },
    notes: timeout.note ? [timeout.note] : [],
  };
}

/** `runs.maxConcurrent`: counts the team's unfinished runs (the `active` index) only when it is set. */
export async function checkConcurrency(
  ctx: Pick<StackCommandContext, 'store'>,
  policy: TeamPolicy,
): Promise<void> {
  if (policy.values['runs.maxConcurrent'] === undefined) return;
  const { items: active } = await ctx.store.activeExecutions();
  const decision = decideConcurrency(active.length, policy);
  if (decision.ok) return;
  throw new RunvoyError({
    what: `Refused by the team policy: ${decision.unfinished} runs are unfinished (PENDING, STARTING or RUNNING), and runs.maxConcurrent is ${decision.limit}.`,
    why: "The team policy is kept in the stack's table and holds for everyone who uses it. Nothing was started.",
    fix: 'Wait for a run to finish (`runvoy list --status RUNNING`), finalise runs that are over with `runvoy reconcile`, or ask an admin to raise it with `runvoy policy set runs.maxConcurrent N`.',
    exitCode: ExitCode.Failure,
    code: 'POLICY_MAX_CONCURRENT',
    data: { unfinished: decision.unfinished, limit: decision.limit },
  });
}

/**
 * Starts a run under the team policy without reading it on a warm run: the run is decided under the
 * cached policy, and its start transaction holds only if the policy is still at that version. When the
 * policy changed in between, it is read again, the run decided again, and started once more; a second
 * change in that moment is an error (nothing was started). A run that the cached policy refuses is
 * decided again under the policy read afresh (one GetItem), so that a limit an admin has raised since
 * does not refuse it.
 */
export async function startUnderPolicy<T>(
  ctx: PolicyContext,
  decide: (policy: TeamPolicy) => Promise<RunRequest>,
  start: (request: RunRequest, guard: TransactGuard) => Promise<T>,
  onReread?: (policy: TeamPolicy) => void,
): Promise<T> {
  let { policy, cached } = await teamPolicyForRun(ctx);
  const reread = async () => {
    ({ policy } = await teamPolicyForRun(ctx, { fresh: true }));
    cached = false;
    onReread?.(policy);
  };
  for (let attempt = 0; ; attempt++) {
    let request: RunRequest;
    try {
      request = await decide(policy);
    } catch (error) {
      if (!cached || !(error instanceof RunvoyError)) throw error;
      const before = policy.version;
      ({ policy } = await teamPolicyForRun(ctx, { fresh: true }));
      cached = false;
      if (policy.version === before) throw error;
      onReread?.(policy);
      request = await decide(policy);
    }
    try {
      return await start(request, policyVersionGuard(policy));
    } catch (error) {
      if (!(error instanceof PolicyChanged)) throw error;
      if (attempt >= 1) throw policyRace(policy);
      await reread();
    }
  }
}

function policyRace(policy: TeamPolicy): RunvoyError {
  return new RunvoyError({
    what: `The team policy changed twice while this run was starting (last read at version ${policy.version}).`,
    why: 'A run starts only under the policy version it was checked against. Nothing was started.',
    fix: 'Run the command again.',
    code: 'POLICY_CHANGED',
  });
}
