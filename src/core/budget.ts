/**
 * Budgets: whether a run may start. Pure: the configured budgets, the run's worst case and the spend so
 * far come in; the decision, its figures and the lines to show come out.
 *
 * - `budget.perRun`: the run's worst case (its size up to its timeout) must not exceed it.
 * - `budget.monthly`: this month's spend (UTC, from the records) plus the run's worst case.
 * - `budget.perUser`: the same for the caller's own spend this month.
 *
 * A run without a timeout has no worst case: with any budget set it is refused, with the fix of passing
 * `--timeout`. Reaching 80% of a budget is a warning; exceeding one is a refusal (exit 5) unless the user
 * said `--over-budget`.
 */
import { formatDuration } from './duration.js';
import type { CostResult } from './cost.js';

export const BUDGET_WARN_RATIO = 0.8;

export type BudgetName = 'budget.perRun' | 'budget.monthly' | 'budget.perUser';

export interface Budgets {
  perRun?: number;
  monthly?: number;
  perUser?: number;
}

export interface MonthToDate {
  /** Start of the month, ISO. */
  since: string;
  /** USD spent by everyone (known costs only). */
  team: number;
  /** USD spent by the caller. */
  user: number;
  /** Executions this month with no known cost (not in the sums). */
  unavailable: number;
  executions: number;
}

export interface BudgetInput {
  budgets: Budgets;
  /** `estimateUpTo(timeout, size)` at on-demand prices (a Spot run can fall back to on-demand). */
  worstCase: CostResult;
  timeoutMs?: number;
  /** Needed when `monthly` or `perUser` is set. */
  monthToDate?: MonthToDate;
  overBudget?: boolean;
  /** Whose budgets: the user's own (flag, env, local config; the default) or the team policy's. */
  scope?: BudgetScope;
  /** Whether --over-budget may lift these budgets (a team budget only when the policy allows it). */
  overridable?: boolean;
}

/** `team`: the team policy in the stack (src/core/policy.ts); `personal`: the user's own settings. */
export type BudgetScope = 'personal' | 'team';

export interface BudgetFigure {
  budget: BudgetName;
  /** USD. */
  limit: number;
  /** Spend before this run (0 for perRun). */
  spent: number;
  /** This run's worst case, USD. */
  run: number;
  /** spent + run. */
  projected: number;
  ratio: number;
  state: 'ok' | 'warn' | 'over';
}

export interface BudgetDecision {
  /** `refuse`: exit 5; `override`: over a budget, but --over-budget was given. */
  verdict: 'none' | 'ok' | 'warn' | 'refuse' | 'override';
  figures: BudgetFigure[];
  /** Why the run is refused (or would be, without --over-budget). */
  problems: string[];
  /** Lines to print on stderr before the run. */
  warnings: string[];
  /** The worst case, USD, when bounded. */
  worstCase?: number;
  fix?: string;
}

export function hasBudget(budgets: Budgets): boolean {
  return budgets.perRun !== undefined || budgets.monthly !== undefined || budgets.perUser !== undefined;
}

/** Whether the decision needs this month's spend from the records. */
export function needsMonthToDate(budgets: Budgets): boolean {
  return budgets.monthly !== undefined || budgets.perUser !== undefined;
}

export function usd(amount: number): string {
  return amount >= 100 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(4)}`;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

function figure(budget: BudgetName, limit: number, spent: number, run: number): BudgetFigure {
  const projected = spent + run;
  const ratio = projected / limit;
  return {
    budget,
    limit,
    spent,
    run,
    projected,
    ratio,
    state: projected > limit ? 'over' : ratio >= BUDGET_WARN_RATIO ? 'warn' : 'ok',
  };
}

function describeFigure(
  f: BudgetFigure,
  timeoutMs: number | undefined,
  since?: string,
  scope: BudgetScope = 'personal',
): string {
  const upTo = timeoutMs === undefined ? '' : ` (up to the ${formatDuration(timeoutMs)} timeout)`;
  const name = scope === 'team' ? `the team policy's ${f.budget}` : f.budget;
  if (f.budget === 'budget.perRun') {
    return `this run costs at most ${usd(f.run)}${upTo}: ${percent(f.ratio)} of ${name} ${usd(f.limit)}`;
  }
  const who = f.budget === 'budget.perUser' ? 'your spend' : 'spend';
  const month = since ? ` since ${since.slice(0, 10)}` : ' this month';
  return `${who}${month} ${usd(f.spent)} + this run at most ${usd(f.run)}${upTo} = ${usd(f.projected)}: ${percent(f.ratio)} of ${name} ${usd(f.limit)}`;
}

/** Decides whether a run may start under the configured budgets. */
export function decideBudget(input: BudgetInput): BudgetDecision {
  const { budgets, worstCase, timeoutMs } = input;
  const scope = input.scope ?? 'personal';
  const team = scope === 'team';
  const overrideText =
    input.overridable === false
      ? "; --over-budget cannot lift a team budget (the team policy's budget.allowOverride is not true)"
      : ', or pass --over-budget to run anyway';
  if (!hasBudget(budgets)) return { verdict: 'none', figures: [], problems: [], warnings: [] };
  const names = (
    [
      ['budget.perRun', budgets.perRun],
      ['budget.monthly', budgets.monthly],
      ['budget.perUser', budgets.perUser],
    ] as const
  )
    .filter(([, v]) => v !== undefined)
    .map(([n]) => (input.scope === 'team' ? `the team policy's ${n}` : n));

  const finish = (problems: string[], fix: string, figures: BudgetFigure[] = [], warnings: string[] = []) =>
    input.overBudget
      ? {
          verdict: 'override' as const,
          figures,
          problems,
          warnings: [
            ...problems.map((p) => `Over budget, running anyway (--over-budget): ${p}`),
            ...warnings,
          ],
          ...(worstCase.amount !== undefined && timeoutMs !== undefined
            ? { worstCase: worstCase.amount }
            : {}),
        }
      : {
          verdict: 'refuse' as const,
          figures,
          problems,
          warnings,
          fix,
          ...(worstCase.amount !== undefined && timeoutMs !== undefined
            ? { worstCase: worstCase.amount }
            : {}),
        };

  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) {
    return finish(
      [`this run has no --timeout, so its worst case is unbounded and ${names.join(', ')} cannot be held`],
      `Pass --timeout (e.g. --timeout 1h) or set a default with \`runvoy config set timeout 1h\`${overrideText}.`,
    );
  }
  if (worstCase.amount === undefined) {
    return finish(
      [
        `the cost of this run cannot be estimated (${worstCase.reason ?? 'no price'}), so ${names.join(', ')} cannot be held`,
      ],
      `Refresh the prices with \`runvoy cost prices --refresh\`${overrideText}.`,
    );
  }
  const run = worstCase.amount;
  const figures: BudgetFigure[] = [];
  if (budgets.perRun !== undefined) figures.push(figure('budget.perRun', budgets.perRun, 0, run));
  if (needsMonthToDate(budgets)) {
    const mtd = input.monthToDate;
    if (!mtd) throw new Error('decideBudget needs monthToDate when budget.monthly or budget.perUser is set');
    if (budgets.monthly !== undefined) figures.push(figure('budget.monthly', budgets.monthly, mtd.team, run));
    if (budgets.perUser !== undefined) figures.push(figure('budget.perUser', budgets.perUser, mtd.user, run));
  }
  const since = input.monthToDate?.since;
  const unknown =
    input.monthToDate && input.monthToDate.unavailable > 0 && needsMonthToDate(budgets)
      ? [
          `${input.monthToDate.unavailable} execution(s) this month have no known cost and are not counted in the spend`,
        ]
      : [];
  const over = figures.filter((f) => f.state === 'over');
  const near = figures
    .filter((f) => f.state === 'warn')
    .map((f) => `Budget warning: ${describeFigure(f, timeoutMs, since, scope)}.`);
  if (over.length > 0) {
    const problems = over.map((f) => describeFigure(f, timeoutMs, since, scope));
    const verb = team ? 'policy' : 'config';
    const raise = over.map((f) => `\`runvoy ${verb} set ${f.budget} ${Math.ceil(f.projected * 100) / 100}\``);
    const who = team ? 'ask an admin to raise the team budget' : 'raise the budget';
    return finish(
      problems,
      `Use a smaller --cpu/--memory or a shorter --timeout, ${who} (${raise.join(', ')})${overrideText}.`,
      figures,
      [...near, ...unknown.map((u) => `Note: ${u}.`)],
    );
  }
  return {
    verdict: near.length > 0 ? 'warn' : 'ok',
    figures,
    problems: [],
    warnings: [...near, ...(near.length > 0 ? unknown.map((u) => `Note: ${u}.`) : [])],
    worstCase: run,
  };
}
