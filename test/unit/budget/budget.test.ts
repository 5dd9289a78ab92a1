import { describe, expect, it } from 'vitest';
import {
  BUDGET_WARN_RATIO,
  decideBudget,
  hasBudget,
  needsMonthToDate,
  usd,
  type BudgetInput,
  type MonthToDate,
} from '../../../src/core/budget.js';
import { estimateUpTo, type CostSize } from '../../../src/core/cost.js';
import { budgetsFrom, startOfMonth } from '../../../src/services/budget.js';

const HOUR = 3_600_000;
/** 4 vCPU, 8 GB, x86, us-east-1: (4 * 0.04048 + 8 * 0.004445) = $0.19748 per hour. */
const BIG: CostSize = { cpu: 4096, memory: 8192, arch: 'x86_64', region: 'us-east-1', spot: false };
const BIG_2H = 2 * (4 * 0.04048 + 8 * 0.004445); // 0.39496
/** 1 vCPU, 2 GB: $0.04937 per hour. */
const SMALL: CostSize = { ...BIG, cpu: 1024, memory: 2048 };
const SMALL_1H = 0.04048 + 2 * 0.004445;

const MTD: MonthToDate = {
  since: '2026-11-01T00:00:00.000Z',
  team: 40,
  user: 5,
  unavailable: 0,
  executions: 12,
};

function input(overrides: Partial<BudgetInput> & { size?: CostSize; timeoutMs?: number }): BudgetInput {
  const { size = BIG, ...rest } = overrides;
  const timeoutMs = 'timeoutMs' in overrides ? overrides.timeoutMs : 2 * HOUR;
  return { budgets: {}, worstCase: estimateUpTo(timeoutMs, size), timeoutMs, ...rest };
}

describe('decideBudget: budget.perRun', () => {
  it('no budget: nothing to decide', () => {
    expect(decideBudget(input({}))).toEqual({ verdict: 'none', figures: [], problems: [], warnings: [] });
  });

  it('refuses 4 vCPU / 8 GB for up to 2 h against $0.01, with the estimate and the budget', () => {
    const d = decideBudget(input({ budgets: { perRun: 0.01 } }));
    expect(d.verdict).toBe('refuse');
    expect(d.worstCase).toBeCloseTo(BIG_2H, 12);
    expect(d.figures).toHaveLength(1);
    expect(d.figures[0]).toMatchObject({ budget: 'budget.perRun', limit: 0.01, spent: 0, state: 'over' });
    expect(d.figures[0]?.run).toBeCloseTo(0.39496, 12);
    expect(d.problems[0]).toContain('$0.3950');
    expect(d.problems[0]).toContain('budget.perRun $0.0100');
    expect(d.problems[0]).toContain('2h00m00s timeout');
    expect(d.fix).toMatch(/--over-budget/);
    expect(d.fix).toContain('runvoy config set budget.perRun 0.4');
  });

  it('--over-budget turns the refusal into a warning', () => {
    const d = decideBudget(input({ budgets: { perRun: 0.01 }, overBudget: true }));
    expect(d.verdict).toBe('override');
    expect(d.warnings[0]).toMatch(/^Over budget, running anyway \(--over-budget\): .*\$0\.3950/);
  });

  it.each<[string, number, 'ok' | 'warn' | 'refuse']>([
    ['well under', 1, 'ok'],
    ['just under 80%', BIG_2H / 0.79, 'ok'],
    ['at 80%', BIG_2H / BUDGET_WARN_RATIO, 'warn'],
    ['at 99%', BIG_2H / 0.99, 'warn'],
    ['exactly the budget', BIG_2H, 'warn'],
    ['a hair over', BIG_2H * 0.999, 'refuse'],
  ])('%s: %s', (_name, perRun, verdict) => {
    expect(decideBudget(input({ budgets: { perRun } })).verdict).toBe(verdict);
  });

  it('warns at 80% with the figures', () => {
    const d = decideBudget(input({ budgets: { perRun: 0.45 } }));
    expect(d.verdict).toBe('warn');
    expect(d.warnings).toEqual([
      'Budget warning: this run costs at most $0.3950 (up to the 2h00m00s timeout): 88% of budget.perRun $0.4500.',
    ]);
  });

  it('without a timeout the worst case is unbounded: refused, with the fix of passing --timeout', () => {
    const d = decideBudget(input({ budgets: { perRun: 100 }, timeoutMs: undefined }));
    expect(d.verdict).toBe('refuse');
    expect(d.problems[0]).toMatch(/no --timeout, so its worst case is unbounded/);
    expect(d.fix).toMatch(/Pass --timeout/);
    expect(d.worstCase).toBeUndefined();
    expect(
      decideBudget(input({ budgets: { perRun: 100 }, timeoutMs: undefined, overBudget: true })).verdict,
    ).toBe('override');
  });

  it('a worst case that cannot be priced is refused, never taken for zero', () => {
    const d = decideBudget(input({ budgets: { perRun: 100 }, size: { ...BIG, region: 'xx-nowhere-1' } }));
    expect(d.verdict).toBe('refuse');
    expect(d.problems[0]).toMatch(/cannot be estimated .*xx-nowhere-1/);
    expect(d.fix).toMatch(/cost prices --refresh/);
  });
});

describe('decideBudget: budget.monthly and budget.perUser', () => {
  it('month to date plus the worst case against the monthly budget', () => {
    const ok = decideBudget(
      input({ budgets: { monthly: 100 }, size: SMALL, timeoutMs: HOUR, monthToDate: MTD }),
    );
    expect(ok.verdict).toBe('ok');
    expect(ok.warnings).toEqual([]);
    expect(ok.figures[0]).toMatchObject({ budget: 'budget.monthly', limit: 100, spent: 40, state: 'ok' });
    expect(ok.figures[0]?.projected).toBeCloseTo(40 + SMALL_1H, 12);
    // $40.0494 of $50 is 80%: a warning, not a refusal.
    const near = decideBudget(
      input({ budgets: { monthly: 50 }, size: SMALL, timeoutMs: HOUR, monthToDate: MTD }),
    );
    expect(near.verdict).toBe('warn');
    expect(near.warnings[0]).toMatch(
      /^Budget warning: spend since 2026-11-01 \$40\.0000 .* 80% of budget\.monthly \$50\.0000\.$/,
    );
  });

  it('refuses when the month to date plus this run exceeds the monthly budget', () => {
    const d = decideBudget(
      input({ budgets: { monthly: 40.04 }, size: SMALL, timeoutMs: HOUR, monthToDate: MTD }),
    );
    expect(d.verdict).toBe('refuse');
    expect(d.figures[0]?.projected).toBeCloseTo(40 + SMALL_1H, 12);
    expect(d.problems[0]).toBe(
      'spend since 2026-11-01 $40.0000 + this run at most $0.0494 (up to the 1h00m00s timeout) = $40.0494: 100% of budget.monthly $40.0400',
    );
  });

  it('the per-user budget counts only the caller', () => {
    const ok = decideBudget(
      input({ budgets: { perUser: 10 }, size: SMALL, timeoutMs: HOUR, monthToDate: MTD }),
    );
    expect(ok.verdict).toBe('ok');
    expect(ok.figures[0]).toMatchObject({ budget: 'budget.perUser', spent: 5 });
    const over = decideBudget(
      input({ budgets: { perUser: 5 }, size: SMALL, timeoutMs: HOUR, monthToDate: MTD }),
    );
    expect(over.verdict).toBe('refuse');
    expect(over.problems[0]).toMatch(/^your spend since 2026-11-01 \$5\.0000/);
  });

  it('reports every budget that breaks, and notes executions of unknown cost', () => {
    const d = decideBudget(
      input({
        budgets: { perRun: 0.01, monthly: 40.1, perUser: 5 },
        size: SMALL,
        timeoutMs: HOUR,
        monthToDate: { ...MTD, unavailable: 2 },
      }),
    );
    expect(d.verdict).toBe('refuse');
    expect(d.figures.map((f) => [f.budget, f.state])).toEqual([
      ['budget.perRun', 'over'],
      ['budget.monthly', 'warn'],
      ['budget.perUser', 'over'],
    ]);
    expect(d.problems).toHaveLength(2);
    expect(d.warnings.some((w) => w.includes('budget.monthly'))).toBe(true);
    expect(d.warnings.some((w) => /2 execution\(s\) this month have no known cost/.test(w))).toBe(true);
  });

  it('needs the month to date when a monthly budget is set', () => {
    expect(() => decideBudget(input({ budgets: { monthly: 10 } }))).toThrow(/monthToDate/);
  });
});

describe('budget helpers', () => {
  it('hasBudget and needsMonthToDate', () => {
    expect(hasBudget({})).toBe(false);
    expect(hasBudget({ perRun: 1 })).toBe(true);
    expect(needsMonthToDate({ perRun: 1 })).toBe(false);
    expect(needsMonthToDate({ monthly: 1 })).toBe(true);
    expect(needsMonthToDate({ perUser: 1 })).toBe(true);
  });

  it('usd shows four decimals below $100, two above', () => {
    expect(usd(0.01)).toBe('$0.0100');
    expect(usd(0.39496)).toBe('$0.3950');
    expect(usd(1234.5)).toBe('$1234.50');
  });

  it('budgetsFrom reads the numeric settings only', () => {
    expect(
      budgetsFrom({
        'budget.perRun': { value: 0.01 },
        'budget.monthly': { value: undefined },
        'budget.perUser': { value: 25 },
        cpu: { value: 256 },
      }),
    ).toEqual({ perRun: 0.01, perUser: 25 });
    expect(budgetsFrom({})).toEqual({});
  });

  it('startOfMonth is the first instant of the month, UTC', () => {
    expect(startOfMonth(new Date('2026-11-22T05:40:00Z')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(startOfMonth(new Date('2026-12-01T00:00:00Z')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(startOfMonth(new Date('2026-11-30T23:59:59.999Z')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});

describe('budget properties', () => {
  const timeouts = [60_000, 10 * 60_000, HOUR, 2 * HOUR, 24 * HOUR];
  const limits = [0.001, 0.01, 0.05, 0.1, 0.4, 1, 10];

  it('a longer timeout never turns a refusal into an acceptance; a bigger budget never the reverse', () => {
    for (const limit of limits) {
      let refusedBefore = false;
      for (const timeoutMs of timeouts) {
        const refused = decideBudget(input({ budgets: { perRun: limit }, timeoutMs })).verdict === 'refuse';
        expect(refusedBefore && !refused).toBe(false);
        refusedBefore = refused;
      }
    }
    for (const timeoutMs of timeouts) {
      let acceptedBefore = false;
      for (const limit of limits) {
        const accepted = decideBudget(input({ budgets: { perRun: limit }, timeoutMs })).verdict !== 'refuse';
        expect(acceptedBefore && !accepted).toBe(false);
        acceptedBefore = accepted;
      }
    }
  });
});
