/**
 * Malformed items in the table (issue 11, item 5): a record with missing fields, an unknown status,
 * `createdAt` as a number or a fence as a string; a lock without `version` or with a string fence; an
 * audit event with an unknown action. Every batch read skips them with a warning naming the key, on stderr;
 * a single read of one is an error naming the key; reconcile takes the ones stuck in the `active` index out
 * of it, with an audit event, and deletes nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditItem } from '../../src/aws/store.js';
import { executionItem, type ExecutionRecord } from '../../src/core/execution.js';
import { newConfigDir, runCli, type CliResult, jsonResult } from '../support/cli.js';
import { stackOutputs } from '../support/emulator-state.js';
import { keepTasksRunning, resetMoto, sdkConfig, TEST_ACCOUNT } from '../support/moto.js';
import { executionRecord } from '../support/records.js';

const CALLER = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;
const HOUR = 3_600_000;

let configDir: string;
let table: string;

const cli = (args: string[]) => runCli(args, { configDir });

function record(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id,
    status: 'SUCCEEDED',
    callerArn: CALLER,
    host: 'laptop',
    command: ['echo', id],
    image: 'alpine:3.20',
    createdAt: new Date(Date.now() - HOUR).toISOString(),
    ...overrides,
  });
}

// Good rows: one finished, one just created (PENDING, within reconcile's grace period).
const GOOD_DONE = 'g00d00000001';
const GOOD_PENDING = 'g00d00000002';
// Bad rows, each broken in one way.
const NO_IMAGE = 'bad000000001'; // RUNNING, missing image and command: stuck in the active index
const ODD_STATUS = 'bad000000002'; // status EXPLODED: stuck in the active index
const NUMBER_DATE = 'bad000000003'; // createdAt as a number
const STRING_FENCE = 'bad000000004'; // fence "7"
const BAD_IDS = [NO_IMAGE, ODD_STATUS, NUMBER_DATE, STRING_FENCE];

async function withDocuments<T>(fn: (doc: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    return await fn(doc);
  } finally {
    doc.destroy();
  }
}

const put = (Item: Record<string, unknown>) =>
  withDocuments((doc) => doc.send(new PutCommand({ TableName: table, Item })));

const getItem = (pk: string) =>
  withDocuments(async (doc) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { pk, sk: 'META' } }));
    return out.Item;
  });

const activeIds = () =>
  withDocuments(async (doc) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'active',
        KeyConditionExpression: 'activePk = :a',
        ExpressionAttributeValues: { ':a': 'ACTIVE' },
      }),
    );
    return (out.Items ?? []).map((item) => String(item.pk));
  });

const auditActions = () =>
  withDocuments(async (doc) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byKind',
        KeyConditionExpression: 'kindPk = :k',
        ExpressionAttributeValues: { ':k': 'AUDIT' },
      }),
    );
    return (out.Items ?? []) as Array<{ action: string; executionId?: string; detail?: unknown }>;
  });

/** A fresh stack with the good and the malformed items in its table. */
async function seed(): Promise<void> {
  await resetMoto();
  configDir = newConfigDir();
  const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
  expect(init.exitCode, init.stderr).toBe(0);
  table = (await stackOutputs()).TableName ?? '';
  await keepTasksRunning();

  await put(executionItem(record(GOOD_DONE, { exitCode: 0 })));
  await put(executionItem(record(GOOD_PENDING, { status: 'PENDING', createdAt: new Date().toISOString() })));

  const {
    image: _image,
    command: _command,
    ...noImage
  } = executionItem(record(NO_IMAGE, { status: 'RUNNING' }));
  await put(noImage);
  await put({ ...executionItem(record(ODD_STATUS, { status: 'RUNNING' })), status: 'EXPLODED' });
  await put({ ...executionItem(record(NUMBER_DATE)), createdAt: Date.now() - HOUR });
  await put({ ...executionItem(record(STRING_FENCE, { lockName: 'deploy' })), fence: '7' });

  const lockKeys = (name: string) => ({ pk: `LOCK#${name}`, sk: 'META', kindPk: 'LOCK', kindSk: name, name });
  await put({ ...lockKeys('good-lock'), state: 'FREE', fence: 1, version: 'v1' });
  await put({ ...lockKeys('no-version'), state: 'FREE', fence: 2 });
  await put({ ...lockKeys('string-fence'), state: 'FREE', fence: '7', version: 'v1' });

  const at = new Date(Date.now() - HOUR).toISOString();
  await put(
    auditItem({
      id: `${GOOD_DONE}-run`,
      at,
      action: 'run',
      actorArn: CALLER,
      host: 'laptop',
      executionId: GOOD_DONE,
      detail: { image: 'alpine:3.20', command: ['echo', GOOD_DONE] },
    }),
  );
  await put({
    ...auditItem({ id: 'bad-audit', at, action: 'run', actorArn: CALLER, host: 'laptop' }),
    action: 'explode',
  });
}

function expectWarnings(result: CliResult, keys: string[]): void {
  for (const key of keys)
    expect(result.stderr, `a warning naming ${key}`).toMatch(new RegExp(`Warning: .*${key}`));
}

/** Under --json (and --format json) the warnings are in the envelope, where a script reads them. */
function expectJsonWarnings(result: CliResult, keys: string[]): void {
  const { warnings } = JSON.parse(result.stdout) as { warnings: Array<{ message: string }> };
  for (const key of keys)
    expect(
      warnings.map((w) => w.message),
      `a warning naming ${key}`,
    ).toContainEqual(expect.stringMatching(new RegExp(`^skipped the malformed .*${key}`)));
  expect(result.stderr, 'not also on stderr').not.toMatch(/Warning: .*skipped the malformed/);
}

describe('read commands with malformed items in the table', () => {
  beforeAll(seed, 120_000);

  it('list: shows the good rows and warns about each bad one by key', async () => {
    const text = await cli(['list']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(GOOD_DONE);
    expect(text.stdout).toContain(GOOD_PENDING);
    for (const id of BAD_IDS) expect(text.stdout).not.toContain(id);
    expectWarnings(
      text,
      BAD_IDS.map((id) => `EXEC#${id}`),
    );
    expect(text.stderr).toMatch(/EXEC#bad000000002.*status/);
    expect(text.stderr).toMatch(/EXEC#bad000000003.*createdAt/);
    expect(text.stderr).toMatch(/EXEC#bad000000004.*fence/);

    const json = await cli(['list', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const ids = (jsonResult(json.stdout) as { executions: Array<{ id: string }> }).executions.map(
      (e) => e.id,
    );
    expect(ids).toEqual([GOOD_PENDING, GOOD_DONE]);
    expectJsonWarnings(json, [`EXEC#${NO_IMAGE}`]);
  });

  it('list --status RUNNING (the active index): warns about the bad unfinished rows', async () => {
    const result = await cli(['list', '--status', 'PENDING,RUNNING', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const ids = (jsonResult(result.stdout) as { executions: Array<{ id: string }> }).executions.map(
      (e) => e.id,
    );
    expect(ids).toEqual([GOOD_PENDING]);
    expectJsonWarnings(result, [`EXEC#${NO_IMAGE}`, `EXEC#${ODD_STATUS}`]);
  });

  it('status: a good row as usual; a bad one is an error naming its key and what to do', async () => {
    const good = await cli(['status', GOOD_DONE]);
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.stdout).toContain(GOOD_DONE);

    const bad = await cli(['status', ODD_STATUS]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain(`EXEC#${ODD_STATUS}`);
    expect(bad.stderr).toContain(table);
    expect(bad.stderr).toMatch(/status/);
    expect(bad.stderr).toContain('docs/troubleshooting.md');
  });

  it('kill and logs of a bad row: an error naming its key', async () => {
    for (const args of [
      ['kill', NO_IMAGE],
      ['logs', NO_IMAGE],
    ]) {
      const result = await cli(args);
      expect(result.exitCode, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`EXEC#${NO_IMAGE}`);
      expect(result.stderr).toMatch(/image/);
    }
  });

  it('cost: reports the good rows and warns about the bad ones; JSON stays valid', async () => {
    const text = await cli(['cost', '--since', '7d']);
    expect(text.exitCode, text.stderr).toBe(0);
    expectWarnings(
      text,
      BAD_IDS.map((id) => `EXEC#${id}`),
    );
    const json = await cli(['cost', '--since', '7d', '--format', 'json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const report = jsonResult(json.stdout) as { total: { executions: number } };
    expect(report.total.executions).toBe(2);
    expectJsonWarnings(json, [`EXEC#${NUMBER_DATE}`]);
  });

  it('audit: shows the good events and warns about the bad one', async () => {
    const result = await cli(['audit', '--since', '7d', '--format', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const events = (jsonResult(result.stdout) as { events: Array<{ executionId?: string }> }).events;
    expect(events.map((e) => e.executionId)).toEqual([GOOD_DONE]);
    expectJsonWarnings(result, ['AUDIT#bad-audit']);
    expect(JSON.stringify(JSON.parse(result.stdout).warnings)).toMatch(/AUDIT#bad-audit.*action/);
  });

  it('locks list: shows the good lock and warns about each bad one', async () => {
    const text = await cli(['locks', 'list']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('good-lock');
    expectWarnings(text, ['LOCK#no-version', 'LOCK#string-fence']);
    expect(text.stderr).toMatch(/LOCK#no-version.*version/);
    expect(text.stderr).toMatch(/LOCK#string-fence.*fence/);

    const json = await cli(['locks', 'list', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const names = (jsonResult(json.stdout) as { locks: Array<{ name: string }> }).locks.map((l) => l.name);
    expect(names).toEqual(['good-lock']);
    expectJsonWarnings(json, ['LOCK#no-version', 'LOCK#string-fence']);
  });
});

describe('reconcile with malformed items in the active index', () => {
  beforeAll(seed, 120_000);

  it('takes them out of the active index with an audit event, deletes nothing, and is quiet the next time', async () => {
    expect(await activeIds()).toEqual(
      expect.arrayContaining([`EXEC#${NO_IMAGE}`, `EXEC#${ODD_STATUS}`, `EXEC#${GOOD_PENDING}`]),
    );
    const dry = await cli(['reconcile', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const planned = jsonResult(dry.stdout) as { actions: Array<{ action: string; executionId?: string }> };
    expect(
      planned.actions
        .filter((a) => a.action === 'remove-from-active')
        .map((a) => a.executionId)
        .sort(),
    ).toEqual([NO_IMAGE, ODD_STATUS]);
    expect((await activeIds()).sort()).toEqual(
      [`EXEC#${GOOD_PENDING}`, `EXEC#${NO_IMAGE}`, `EXEC#${ODD_STATUS}`].sort(),
    );

    const result = await cli(['reconcile', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expectJsonWarnings(result, [`EXEC#${NO_IMAGE}`, `EXEC#${ODD_STATUS}`]);
    const report = jsonResult(result.stdout) as {
      counts: Record<string, number>;
      actions: Array<{ action: string; executionId?: string }>;
    };
    expect(
      report.actions
        .filter((a) => a.action === 'remove-from-active')
        .map((a) => a.executionId)
        .sort(),
    ).toEqual([NO_IMAGE, ODD_STATUS]);
    expect(report.counts.removedFromActive).toBe(2);

    // Out of the index, but never deleted: every attribute but the index keys is still there.
    expect(await activeIds()).toEqual([`EXEC#${GOOD_PENDING}`]);
    const kept = await getItem(`EXEC#${ODD_STATUS}`);
    expect(kept).toMatchObject({ id: ODD_STATUS, status: 'EXPLODED', kindPk: 'EXEC' });
    expect(kept?.activePk).toBeUndefined();
    const audit = (await auditActions()).filter((e) => e.action === 'remove-from-active');
    expect(audit.map((e) => e.executionId).sort()).toEqual([NO_IMAGE, ODD_STATUS]);

    const again = await cli(['reconcile', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain(`EXEC#${NO_IMAGE}`);
    expect(JSON.stringify(JSON.parse(again.stdout).warnings)).not.toContain(`EXEC#${NO_IMAGE}`);
    expect((jsonResult(again.stdout) as { counts: Record<string, number> }).counts.removedFromActive).toBe(0);
  });
});
