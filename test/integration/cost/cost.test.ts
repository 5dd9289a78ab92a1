/**
 * Cost reports, month-to-date spend, budgets and the Price List refresh against the emulator, with
 * execution records seeded in the stack's table (moto's tasks carry no times to price).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import { Store } from '../../../src/aws/store.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { newExecutionId } from '../../../src/core/ids.js';
import { ExitCode, RunvoyError } from '../../../src/core/errors.js';
import { PRICE_TABLE } from '../../../src/core/price-table.js';
import type { RunRequest } from '../../../src/core/run-request.js';
import { checkBudget, monthToDate } from '../../../src/services/budget.js';
import { costReport, executionsInRange } from '../../../src/services/cost-report.js';
import { stackChecks } from '../../../src/services/doctor-stack.js';
import { loadPriceTable, PRICES_CACHE_KEY, refreshPrices } from '../../../src/services/prices.js';
import { requireStack, type StackContext } from '../../../src/services/stack-context.js';
import { TEST_REGION } from '../../support/moto.js';
import { deploy, openSession, type StackSession } from '../stack/helpers.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/dev/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/dev/bob';
const OFFLINE = { table: PRICE_TABLE };
const NOW = new Date('2026-11-21T12:00:00.000Z');

/** Per hour, us-east-1. */
const X86 = { vcpu: 0.04048, gb: 0.004445 };
const ARM = { vcpu: 0.03238, gb: 0.00356 };

let session: StackSession;
let stack: StackContext;
let store: Store;

beforeEach(async () => {
  session = await openSession();
  await deploy(session, { vpc: 'default' });
  stack = await requireStack(session.clients, 'runvoy', { cache: session.cache });
  store = new Store(await session.clients.documents(), stack.outputs.tableName);
});

afterEach(async () => {
  await session.close();
});

/** A finished execution created at `createdAt`, pulled 10 s later and running `minutes`. */
function finished(
  createdAt: string,
  minutes: number,
  overrides: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  const created = Date.parse(createdAt);
  return executionRecord({
    id: newExecutionId(),
    status: 'SUCCEEDED',
    callerArn: ALICE,
    host: 'laptop',
    command: ['echo'],
    image: 'public.ecr.aws/docker/library/alpine:3.20',
    region: TEST_REGION,
    cpu: 1024,
    memory: 2048,
    createdAt,
    pullStartedAt: new Date(created + 10_000).toISOString(),
    startedAt: new Date(created + 20_000).toISOString(),
    stoppedAt: new Date(created + 10_000 + minutes * 60_000).toISOString(),
    exitCode: 0,
    ...overrides,
  });
}

async function seed(records: ExecutionRecord[]): Promise<void> {
  for (const record of records) await store.createExecution(record);
}

function operationsSince(mark: number): string[] {
  return session.operations().slice(mark);
}

describe('cost reports over seeded executions', () => {
  it('by user: per-user sums that match a hand computation, from Queries only', async () => {
    await seed([
      // alice: 1 vCPU / 2 GB x86 for 10 min, and 0.5 vCPU / 1 GB ARM for 30 min
      finished('2026-11-10T09:00:00.000Z', 10),
      finished('2026-11-12T09:00:00.000Z', 30, { cpu: 512, memory: 1024, arch: 'arm64' }),
      // bob: 2 vCPU / 4 GB x86 for 1 h, with a cost stored at finalisation (used as recorded)
      finished('2026-11-15T09:00:00.000Z', 60, { callerArn: BOB, cpu: 2048, memory: 4096 }),
      finished('2026-11-16T09:00:00.000Z', 5, { callerArn: BOB, cost: 0.5, costStatus: 'estimated' }),
      // bob: no stop time known: unavailable, counted apart
      finished('2026-11-17T09:00:00.000Z', 5, { callerArn: BOB, status: 'LOST', stoppedAt: undefined }),
      // outside the range
      finished('2026-10-01T09:00:00.000Z', 60),
    ]);
    const mark = session.operations().length;
    const report = await costReport(
      { store },
      { since: new Date('2026-11-01T00:00:00Z'), until: NOW, by: 'user', now: NOW, pricing: OFFLINE },
    );
    const alice = (X86.vcpu + 2 * X86.gb) / 6 + ((0.5 * ARM.vcpu + 1 * ARM.gb) * 30) / 60;
    const bob = 2 * X86.vcpu + 4 * X86.gb + 0.5;
    expect(report.groups.map((g) => g.key)).toEqual([BOB, ALICE]);
    expect(report.groups[0]).toMatchObject({ executions: 3, exact: 1, estimated: 1, unavailable: 1 });
    expect(report.groups[0]?.amount).toBeCloseTo(bob, 12);
    expect(report.groups[1]).toMatchObject({ executions: 2, exact: 2, estimated: 0, unavailable: 0 });
    expect(report.groups[1]?.amount).toBeCloseTo(alice, 12);
    expect(report.total.executions).toBe(5);
    expect(report.total.amount).toBeCloseTo(alice + bob, 12);
    const operations = operationsSince(mark);
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.every((o) => o === 'Query')).toBe(true);
  });

  it('by day within --since/--until; one caller through the byUser index; every page read', async () => {
    await seed([
      finished('2026-11-10T09:00:00.000Z', 10),
      finished('2026-11-10T23:00:00.000Z', 10, { callerArn: BOB }),
      finished('2026-11-11T09:00:00.000Z', 20),
      finished('2026-11-12T09:00:00.000Z', 20),
    ]);
    const deps = { store };
    const byDay = await costReport(deps, {
      since: new Date('2026-11-10T00:00:00Z'),
      until: new Date('2026-11-11T23:59:59Z'),
      by: 'day',
      now: NOW,
      pricing: OFFLINE,
      pageSize: 1,
    });
    const tenMinutes = (X86.vcpu + 2 * X86.gb) / 6;
    expect(byDay.groups.map((g) => [g.key, g.executions])).toEqual([
      ['2026-11-10', 2],
      ['2026-11-11', 1],
    ]);
    expect(byDay.groups[0]?.amount).toBeCloseTo(2 * tenMinutes, 12);
    expect(byDay.groups[1]?.amount).toBeCloseTo(2 * tenMinutes, 12);
    expect(byDay.requests).toBeGreaterThanOrEqual(3);
    const alice = await executionsInRange(deps.store, {
      since: new Date('2026-11-01T00:00:00Z'),
      until: NOW,
      callerArn: ALICE,
    });
    expect(alice.records.map((r) => r.createdAt)).toEqual([
      '2026-11-10T09:00:00.000Z',
      '2026-11-11T09:00:00.000Z',
      '2026-11-12T09:00:00.000Z',
    ]);
  });
});

describe('month-to-date spend and budgets', () => {
  const tenMinutes = (X86.vcpu + 2 * X86.gb) / 6;

  async function seedMonth(): Promise<void> {
    await seed([
      finished('2026-11-02T09:00:00.000Z', 10, { callerArn: stack.identity.arn }),
      finished('2026-11-03T09:00:00.000Z', 10, { callerArn: BOB }),
      finished('2026-11-04T09:00:00.000Z', 10, { callerArn: BOB, status: 'LOST', stoppedAt: undefined }),
      // last month: not counted
      finished('2026-10-31T23:00:00.000Z', 600, { callerArn: stack.identity.arn }),
    ]);
  }

  it('sums this month from the records, the caller apart, unknown costs apart', async () => {
    await seedMonth();
    const mtd = await monthToDate({ store }, { callerArn: stack.identity.arn, now: NOW, pricing: OFFLINE });
    expect(mtd.since).toBe('2026-11-01T00:00:00.000Z');
    expect(mtd.executions).toBe(3);
    expect(mtd.unavailable).toBe(1);
    expect(mtd.team).toBeCloseTo(2 * tenMinutes, 12);
    expect(mtd.user).toBeCloseTo(tenMinutes, 12);
  });

  const request = (overrides: Partial<RunRequest> = {}): RunRequest => ({
    image: 'alpine:3.20',
    command: ['echo'],
    shell: false,
    cpu: 1024,
    memory: 2048,
    arch: 'x86_64',
    spot: false,
    env: [],
    secrets: [],
    tags: {},
    lockWaitMs: 0,
    detach: false,
    timeoutMs: 3_600_000,
    ...overrides,
  });

  it('budget.monthly refuses with exit 5 and the figures when this month plus the run exceeds it', async () => {
    await seedMonth();
    const budget = 2 * tenMinutes + 0.04; // less than this month's spend plus one hour at $0.04937
    const error = await checkBudget({
      store,
      stack,
      request: request(),
      settings: { 'budget.monthly': { value: budget } },
      now: NOW,
      pricing: OFFLINE,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    const refusal = error as RunvoyError;
    expect(refusal.exitCode).toBe(ExitCode.OverBudget);
    expect(refusal.code).toBe('OVER_BUDGET');
    expect(refusal.what).toContain('budget.monthly');
    expect(refusal.what).toContain('$0.0494');
    expect(refusal.fix).toMatch(/--over-budget/);
    expect(refusal.data?.monthToDate).toMatchObject({ executions: 3, unavailable: 1 });
  });

  it('budget.monthly allows, and warns at 80%; --over-budget runs anyway with a warning', async () => {
    await seedMonth();
    const base = {
      store,
      stack,
      request: request(),
      now: NOW,
      pricing: OFFLINE,
    };
    const projected = 2 * tenMinutes + (X86.vcpu + 2 * X86.gb);
    expect((await checkBudget({ ...base, settings: { 'budget.monthly': { value: 10 } } })).verdict).toBe(
      'ok',
    );
    const warnings: string[] = [];
    const near = await checkBudget({
      ...base,
      settings: { 'budget.monthly': { value: projected / 0.9 } },
      warn: (line) => warnings.push(line),
    });
    expect(near.verdict).toBe('warn');
    expect(warnings[0]).toMatch(/^Budget warning: spend since 2026-11-01 .* 90% of budget\.monthly/);
    const forced = await checkBudget({
      ...base,
      settings: { 'budget.perUser': { value: 0.01 } },
      overBudget: true,
      warn: (line) => warnings.push(line),
    });
    expect(forced.verdict).toBe('override');
    expect(warnings.at(-1)).toMatch(/^Over budget, running anyway \(--over-budget\): your spend/);
  });

  it('budget.perRun alone sends nothing to AWS', async () => {
    const mark = session.operations().length;
    const error = await checkBudget({
      store,
      stack,
      request: request({ cpu: 4096, memory: 8192, timeoutMs: 7_200_000 }),
      settings: { 'budget.perRun': { value: 0.01 } },
      pricing: OFFLINE,
    }).catch((e: unknown) => e);
    expect((error as RunvoyError).exitCode).toBe(5);
    expect((error as RunvoyError).what).toContain('$0.3950');
    expect((error as RunvoyError).what).toContain('budget.perRun $0.0100');
    expect(operationsSince(mark)).toEqual([]);
    const none = await checkBudget({ store, stack, request: request(), settings: {} });
    expect(none.verdict).toBe('none');
  });

  it('team budgets refuse naming the team policy; --over-budget lifts them only when the policy allows it; one read for both scopes', async () => {
    await seedMonth();
    const base = { store, stack, request: request(), now: NOW, pricing: OFFLINE };
    const team = { budgets: { monthly: 2 * tenMinutes + 0.04 }, allowOverride: false };
    const mark = session.operations().length;
    const refused = await checkBudget({
      ...base,
      settings: { 'budget.perUser': { value: 100 } },
      team,
      overBudget: true,
    }).catch((e: unknown) => e);
    expect((refused as RunvoyError).exitCode).toBe(ExitCode.OverBudget);
    expect((refused as RunvoyError).what).toMatch(
      /^Refused by the team policy's budget: spend since 2026-11-01/,
    );
    expect((refused as RunvoyError).what).toContain("of the team policy's budget.monthly");
    expect((refused as RunvoyError).why).toContain('budget.allowOverride is true');
    expect((refused as RunvoyError).fix).toContain('runvoy policy set budget.monthly');
    expect((refused as RunvoyError).data).toMatchObject({ scope: 'team' });
    // The personal perUser and the team's monthly budget share one read of the month.
    expect(operationsSince(mark).filter((o) => o.includes('Query'))).toHaveLength(1);

    const warnings: string[] = [];
    const lifted = await checkBudget({
      ...base,
      settings: {},
      team: { ...team, allowOverride: true },
      overBudget: true,
      warn: (line) => warnings.push(line),
    });
    expect(lifted.verdict).toBe('override');
    expect(warnings[0]).toMatch(
      /^Over budget, running anyway \(--over-budget\): spend since .* the team policy's budget\.monthly/,
    );

    // A personal budget breaks first, with its own message.
    const personal = await checkBudget({
      ...base,
      settings: { 'budget.perRun': { value: 0.01 } },
      team: { budgets: { perRun: 0.02 }, allowOverride: false },
    }).catch((e: unknown) => e);
    expect((personal as RunvoyError).what).toMatch(/^Refused by a budget: .* of budget\.perRun \$0\.0100/);
  });

  it('doctor shows the month to date against the budget', async () => {
    const now = new Date();
    const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 0, 0, 1)).toISOString();
    await seed([finished(thisMonth, 10, { callerArn: stack.identity.arn })]);
    const checks = await stackChecks(session.clients, 'runvoy', TEST_REGION, {
      budgets: { monthly: 1 },
      callerArn: stack.identity.arn,
    });
    const spend = checks.find((c) => c.id === 'spend');
    expect(spend).toMatchObject({ ok: true, label: 'Spend' });
    expect(spend?.detail).toMatch(
      /^\$0\.0082 since \d{4}-\d{2}-01 \(1 run\) of budget\.monthly \$1\.0000 \(1%\)$/,
    );
    const over = await stackChecks(session.clients, 'runvoy', TEST_REGION, {
      budgets: { monthly: 0.001, perUser: 0.001 },
      callerArn: stack.identity.arn,
    });
    expect(over.find((c) => c.id === 'spend')).toMatchObject({ ok: false });
    expect(over.find((c) => c.id === 'spend')?.fix).toMatch(/budget\.monthly and budget\.perUser are spent/);
    const unset = await stackChecks(session.clients, 'runvoy', TEST_REGION, {
      budgets: {},
      callerArn: stack.identity.arn,
    });
    expect(unset.find((c) => c.id === 'spend')?.detail).toMatch(/no monthly budget set$/);
  });
});

describe('cost prices --refresh against the emulator', () => {
  it('moto does not implement the Price List API: the refresh fails, says why, and caches nothing', async () => {
    const outcome = await refreshPrices({
      clients: session.clients,
      region: TEST_REGION,
      cache: session.cache,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toBe(
      'the Price List endpoint did not answer like the AWS Price List API (HTTP 500)',
    );
    expect(outcome.inUse.table).toBe(PRICE_TABLE);
    expect(session.cache.get(PRICES_CACHE_KEY, Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(loadPriceTable(session.cache).refreshedRegions).toEqual([]);
    expect(session.operations().some((o) => o.includes('GetProducts'))).toBe(true);
  });
});
