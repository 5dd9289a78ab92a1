import {
  decideBudget,
  hasBudget,
  needsMonthToDate,
  type BudgetDecision,
  type Budgets,
  type BudgetScope,
  type MonthToDate,
} from '../core/budget.js';
import type { ConfigKey, ConfigValue } from '../core/config-schema.js';
import { estimateUpTo } from '../core/cost.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { RunRequest } from '../core/run-request.js';
import { defaultPricing, recordCost, type PricingOptions } from './cost-of.js';
import { executionsInRange } from './cost-report.js';
import type { StackCommandContext } from '../context.js';

/** The first instant of `now`'s month, UTC. */
export function startOfMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

type SettingValues = Partial<Record<ConfigKey, { value?: ConfigValue | undefined }>>;

/** The budgets of resolved settings (flag > env > config file). */
export function budgetsFrom(settings: SettingValues): Budgets {
  const num = (key: ConfigKey) => {
    const value = settings[key]?.value;
    return typeof value === 'number' ? value : undefined;
  };
  const budgets: Budgets = {};
  const perRun = num('budget.perRun');
  const monthly = num('budget.monthly');
  const perUser = num('budget.perUser');
  if (perRun !== undefined) budgets.perRun = perRun;
  if (monthly !== undefined) budgets.monthly = monthly;
  if (perUser !== undefined) budgets.perUser = perUser;
  return budgets;
}

/**
 * This month's spend from the records (executions created since the first of the month, UTC): the team's
 * through the byKind index, or only the caller's through byUser when the team's is not needed. Running
 * executions count with their cost so far; unknown costs are counted apart, never as zero.
 */
export async function monthToDate(
  ctx: Pick<StackCommandContext, 'store'>,
  options: { callerArn: string; now?: Date; teamWide?: boolean; pricing?: PricingOptions },
): Promise<MonthToDate> {
  const now = options.now ?? new Date();
  const since = startOfMonth(now);
  const { records } = await executionsInRange(ctx.store, {
    since,
    until: now,
    ...(options.teamWide === false ? { callerArn: options.callerArn } : {}),
  });
  const pricing = options.pricing ?? defaultPricing();
  const mtd: MonthToDate = { since: since.toISOString(), team: 0, user: 0, unavailable: 0, executions: 0 };
  for (const record of records) {
    const cost = recordCost(record, now, pricing);
    mtd.executions++;
    if (cost.amount === undefined || cost.status === 'unavailable') {
      mtd.unavailable++;
      continue;
    }
    mtd.team += cost.amount;
    if (record.callerArn === options.callerArn) mtd.user += cost.amount;
  }
  return mtd;
}

export interface CheckBudgetInput extends Pick<StackCommandContext, 'stack' | 'store'> {
  request: RunRequest;
  /** Resolved settings: `budget.perRun`, `budget.monthly`, `budget.perUser` (the user's own budgets). */
  settings: SettingValues;
  /** The team policy's budgets (src/core/policy.ts), checked with the user's own. */
  team?: { budgets: Budgets; allowOverride: boolean };
  overBudget?: boolean;
  /** Receives the warnings (80% of a budget, over budget with --over-budget) for stderr. */
  warn?: (line: string) => void;
  now?: Date;
  pricing?: PricingOptions;
}

const NO_DECISION: BudgetDecision = { verdict: 'none', figures: [], problems: [], warnings: [] };

/**
 * The budget check of `run`, after the request is parsed and before anything is written: throws a
 * RunvoyError with exit code 5 and the figures when the run would break a budget (unless
 * `overBudget`, which lifts a team budget only when the policy allows it), prints warnings at 80%. With
 * only `budget.perRun` set it makes no AWS call; with `budget.monthly` or `budget.perUser` (the user's or
 * the team's) it reads this month's records once (a Query, never a Scan).
 */
export async function checkBudget(input: CheckBudgetInput): Promise<BudgetDecision> {
  const personal = budgetsFrom(input.settings);
  const team = input.team?.budgets ?? {};
  if (!hasBudget(personal) && !hasBudget(team)) return NO_DECISION;
  const pricing = input.pricing ?? defaultPricing();
  const { request } = input;
  // Spot can fall back to on-demand: the worst case is the on-demand price.
  const worstCase = estimateUpTo(request.timeoutMs, {
    cpu: request.cpu,
    memory: request.memory,
    arch: request.arch,
    region: input.stack.region,
    spot: false,
    ephemeralStorageGiB: request.ephemeralStorageGiB,
    ...(pricing.table ? { table: pricing.table } : {}),
  });
  const canDecideWithoutRecords = request.timeoutMs === undefined || worstCase.amount === undefined;
  const mtd =
    (needsMonthToDate(personal) || needsMonthToDate(team)) && !canDecideWithoutRecords
      ? await monthToDate(input, {
          callerArn: input.stack.identity.arn,
          now: input.now,
          teamWide: personal.monthly !== undefined || team.monthly !== undefined,
          pricing,
        })
      : undefined;
  const decide = (budgets: Budgets, scope: BudgetScope, overBudget: boolean | undefined) =>
    decideBudget({
      overridable: scope === 'personal' || input.team?.allowOverride === true,
      budgets,
      worstCase,
      timeoutMs: request.timeoutMs,
      ...(mtd ? { monthToDate: mtd } : {}),
      overBudget,
      scope,
    });
  const mine = decide(personal, 'personal', input.overBudget);
  if (mine.verdict === 'refuse') throw overBudgetError(input, mine, personal, 'personal', mtd);
  const ours = decide(team, 'team', input.overBudget === true && input.team?.allowOverride === true);
  if (ours.verdict === 'refuse') throw overBudgetError(input, ours, team, 'team', mtd);
  for (const line of [...mine.warnings, ...ours.warnings]) input.warn?.(line);
  // The more telling of the two: a warning or an override over a plain ok.
  return VERDICT_RANK[ours.verdict] > VERDICT_RANK[mine.verdict] ? ours : mine;
}

const VERDICT_RANK: Record<BudgetDecision['verdict'], number> = {
  none: 0,
  ok: 1,
  warn: 2,
  override: 3,
  refuse: 4,
};

function overBudgetError(
  input: CheckBudgetInput,
  decision: BudgetDecision,
  budgets: Budgets,
  scope: BudgetScope,
  mtd: MonthToDate | undefined,
): RunvoyError {
  const { request } = input;
  const team = scope === 'team';
  const notLifted =
    team && input.overBudget && input.team?.allowOverride !== true
      ? " --over-budget does not lift a team budget unless the team policy's budget.allowOverride is true."
      : '';
  return new RunvoyError({
    what: `Refused by ${team ? "the team policy's budget" : 'a budget'}: ${decision.problems.join('; ')}.`,
    why:
      (decision.worstCase === undefined
        ? 'A budget holds only for runs whose cost has a known upper bound. Nothing was started.'
        : `${request.cpu} CPU units, ${request.memory} MiB, ${request.arch} in ${input.stack.region}, priced on demand (a Spot run can fall back to it). Nothing was started.`) +
      (team ? ' The team policy is kept in the stack (`runvoy policy list`) and holds for everyone.' : '') +
      notLifted,
    fix: decision.fix,
    exitCode: ExitCode.OverBudget,
    code: 'OVER_BUDGET',
    data: {
      scope,
      budgets,
      worstCase: decision.worstCase ?? null,
      timeoutMs: request.timeoutMs ?? null,
      figures: decision.figures,
      ...(mtd ? { monthToDate: mtd } : {}),
    },
  });
}
