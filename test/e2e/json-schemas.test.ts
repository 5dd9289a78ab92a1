/**
 * Every command's --json output against the schemas of docs/json.md (schemas/json/), on the built CLI and
 * the emulator: each command in the oclif manifest has a result schema and is run here in a success path
 * and an error path. A document validates against the envelope and its `result` against the command's
 * schema; a stream (run, logs) validates line by line against the event schema, and its last event's
 * `result` against the command's schema. A command added without a schema or a case fails the first test.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { newConfigDir, runCli, type CliResult } from '../support/cli.js';
import { resetMoto, stopTasksAtOnce } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCHEMAS = join(ROOT, 'schemas/json');
const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

/** The commands of the built CLI, from the oclif manifest it carries. */
async function manifestCommands(): Promise<Array<{ id: string; enableJsonFlag?: boolean }>> {
  const require = createRequire(import.meta.url);
  const bundle = require(join(ROOT, 'dist/runvoy.cjs')) as {
    computeManifest(
      root: string,
    ): Promise<{ commands: Record<string, { id: string; enableJsonFlag?: boolean }> }>;
  };
  return Object.values((await bundle.computeManifest(ROOT)).commands);
}

/** oclif's own `help` prints help, never JSON. */
const WITHOUT_JSON = ['help'];

/** `locks:list` -> schemas/json/commands/locks-list.schema.json */
const schemaFile = (id: string) => join(SCHEMAS, 'commands', `${id.replaceAll(':', '-')}.schema.json`);

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as object;
for (const file of ['defs', 'envelope', 'event']) ajv.addSchema(json(join(SCHEMAS, `${file}.schema.json`)));
for (const file of readdirSync(join(SCHEMAS, 'commands')))
  ajv.addSchema(json(join(SCHEMAS, 'commands', file)));
const validator = (id: string): ValidateFunction => {
  const validate = ajv.getSchema(`https://runvoy.dev/schemas/json/${id}.schema.json`);
  if (!validate) throw new Error(`no schema ${id}`);
  return validate;
};

function expectValid(validate: ValidateFunction, value: unknown, what: string): void {
  const ok = validate(value);
  expect(ok, `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`).toBe(
    true,
  );
}

/** Checks one --json output of `id`; returns the result (success) or the error (failure). */
function checkOutput(id: string, out: CliResult, expected: 'success' | 'error'): Record<string, unknown> {
  const what = `${id} (${expected}), exit ${out.exitCode}, stderr: ${out.stderr.slice(0, 500)}`;
  const stream = id === 'run' || id === 'logs';
  let document: Record<string, unknown>;
  if (stream) {
    const lines = out.stdout.split('\n').filter((line) => line !== '');
    expect(lines.length, what).toBeGreaterThan(0);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    events.forEach((event, i) => expectValid(validator('event'), event, `${what}, line ${i + 1}`));
    const last = events.at(-1) ?? {};
    expect(last.type, what).toBe(expected === 'success' ? 'result' : 'error');
    expect(
      events.slice(0, -1).filter((e) => e.type === 'result' || e.type === 'error'),
      what,
    ).toEqual([]);
    document = last;
  } else {
    document = JSON.parse(out.stdout) as Record<string, unknown>;
    expectValid(validator('envelope'), document, what);
  }
  if (expected === 'success') {
    expect(document.ok, what).toBe(true);
    expect(document.exitCode, what).toBe(out.exitCode);
    expectValid(validator(`commands/${id.replaceAll(':', '-')}`), document.result, `${what}: result`);
    return document.result as Record<string, unknown>;
  }
  expect(document.ok, what).toBe(false);
  const error = document.error as Record<string, unknown>;
  expect(error.exitCode, what).toBe(out.exitCode);
  expect(out.exitCode, what).not.toBe(0);
  return error;
}

let configDir: string;
let taskDir: string;
const cli = (args: string[], cwd?: string) => runCli(args, { configDir, cwd });

/** Each command: a run that succeeds and one that fails, both with --json (the last ones use state). */
type Case = { success: () => Promise<CliResult>; error: () => Promise<CliResult> };
const state: { id?: string } = {};
const CASES: Record<string, Case> = {
  init: {
    success: () => cli(['init', '--yes', '--vpc', 'default', '--json']),
    error: () => cli(['init', '--yes', '--vpc', 'vpc-nope', '--subnets', 'x', '--json']),
  },
  run: {
    success: () => cli(['run', '--json', '--image', IMAGE, '--lock', 'schema-lock', '--', 'echo', 'hello']),
    error: () => cli(['run', '--json', '--image', IMAGE, '--cpu', '300', '--', 'true']),
  },
  logs: {
    success: () => cli(['logs', state.id ?? '', '--follow', '--json']),
    error: () => cli(['logs', 'zzzzzzzzzzzz', '--json']),
  },
  status: {
    success: () => cli(['status', state.id ?? '', '--json']),
    error: () => cli(['status', 'not-an-id!', '--json']),
  },
  list: { success: () => cli(['list', '--json']), error: () => cli(['list', '--status', 'NOPE', '--json']) },
  kill: {
    success: () => cli(['kill', state.id ?? '', '--json']),
    error: () => cli(['kill', 'zzzzzzzzzzzz', '--json']),
  },
  audit: {
    success: () => cli(['audit', '--json']),
    error: () => cli(['audit', '--since', 'soon', '--json']),
  },
  cost: {
    success: () => cli(['cost', '--since', '1d', '--json']),
    error: () => cli(['cost', '--since', 'later', '--json']),
  },
  'cost:prices': {
    success: () => cli(['cost', 'prices', '--json']),
    error: () => cli(['cost', 'prices', '--bogus', '--json']),
  },
  'locks:list': {
    success: () => cli(['locks', 'list', '--json']),
    error: () => cli(['locks', 'list', '--stack', 'no-such-stack', '--json']),
  },
  'locks:status': {
    success: () => cli(['locks', 'status', 'schema-lock', '--json']),
    error: () => cli(['locks', 'status', 'no-such-lock', '--json']),
  },
  'locks:release': {
    success: () => cli(['locks', 'release', 'schema-lock', '--json']),
    error: () => cli(['locks', 'release', 'no-such-lock', '--json']),
  },
  reconcile: {
    success: () => cli(['reconcile', '--json']),
    error: () => cli(['reconcile', '--grace', '1s', '--json']),
  },
  doctor: { success: () => cli(['doctor', '--json']), error: () => cli(['doctor', '--bogus', '--json']) },
  'config:set': {
    success: () => cli(['config', 'set', 'cpu', '512', '--json']),
    error: () => cli(['config', 'set', 'cpu', '300', '--json']),
  },
  'config:get': {
    success: () => cli(['config', 'get', 'cpu', '--json']),
    error: () => cli(['config', 'get', 'nokey', '--json']),
  },
  'config:list': {
    success: () => cli(['config', 'list', '--json']),
    error: () => cli(['config', 'list', 'extra', '--json']),
  },
  'config:path': {
    success: () => cli(['config', 'path', '--json']),
    error: () => cli(['config', 'path', '--bogus', '--json']),
  },
  'config:validate': {
    success: () => cli(['config', 'validate', '--json']),
    error: () => cli(['config', 'validate', '--bogus', '--json']),
  },
  'config:unset': {
    success: () => cli(['config', 'unset', 'cpu', '--json']),
    error: () => cli(['config', 'unset', 'nokey', '--json']),
  },
  autocomplete: {
    success: () => cli(['autocomplete', 'bash', '--json']),
    error: () => cli(['autocomplete', 'tcsh', '--json']),
  },
  'tasks:list': {
    success: () => cli(['tasks', 'list', '--json'], taskDir),
    error: () => cli(['tasks', 'list', '--bogus', '--json'], taskDir),
  },
  'tasks:show': {
    success: () => cli(['tasks', 'show', 'hello', '--json'], taskDir),
    error: () => cli(['tasks', 'show', 'nope', '--json'], taskDir),
  },
  'iam:policy': {
    success: () => cli(['iam', 'policy', '--role', 'operator', '--json']),
    error: () => cli(['iam', 'policy', '--role', 'root', '--json']),
  },
  'policy:set': {
    success: () => cli(['policy', 'set', 'timeout.max', '2h', '--json']),
    error: () => cli(['policy', 'set', 'no.such.key', '1', '--json']),
  },
  'policy:get': {
    success: () => cli(['policy', 'get', 'timeout.max', '--json']),
    error: () => cli(['policy', 'get', 'no.such.key', '--json']),
  },
  'policy:list': {
    success: () => cli(['policy', 'list', '--json']),
    error: () => cli(['policy', 'list', '--stack', 'no-such-stack', '--json']),
  },
  'policy:unset': {
    success: () => cli(['policy', 'unset', 'timeout.max', '--json']),
    error: () => cli(['policy', 'unset', 'no.such.key', '--json']),
  },
  'schedule:create': {
    success: () =>
      cli(['schedule', 'create', 'nightly', '--cron', '0 3 * * *', '--image', IMAGE, '--json', '--', 'true']),
    error: () => cli(['schedule', 'create', 'nightly', '--cron', 'every day', '--image', IMAGE, '--json']),
  },
  'schedule:list': {
    success: () => cli(['schedule', 'list', '--json']),
    error: () => cli(['schedule', 'list', '--stack', 'no-such-stack', '--json']),
  },
  'schedule:pause': {
    success: () => cli(['schedule', 'pause', 'nightly', '--json']),
    error: () => cli(['schedule', 'pause', 'no-such-schedule', '--json']),
  },
  'schedule:resume': {
    success: () => cli(['schedule', 'resume', 'nightly', '--json']),
    error: () => cli(['schedule', 'resume', 'no-such-schedule', '--json']),
  },
  'schedule:delete': {
    success: () => cli(['schedule', 'delete', 'nightly', '--json']),
    error: () => cli(['schedule', 'delete', 'no-such-schedule', '--json']),
  },
  destroy: {
    success: () => cli(['destroy', '--yes', '--json']),
    error: () => cli(['destroy', '--yes', '--stack', 'no-such-stack', '--json']),
  },
};

describe('--json output validates against the documented schemas', () => {
  beforeAll(async () => {
    await resetMoto();
    await stopTasksAtOnce();
    configDir = newConfigDir();
    taskDir = mkdtempSync(join(tmpdir(), 'runvoy-schema-tasks-'));
    mkdirSync(join(taskDir, '.runvoy'));
    writeFileSync(join(taskDir, '.runvoy', 'hello.yml'), `image: ${IMAGE}\ncommand: [echo, hello]\n`);
  });

  it('every command of the manifest has a result schema and a case here, and nothing else does', async () => {
    const commands = await manifestCommands();
    expect(commands.filter((c) => !c.enableJsonFlag).map((c) => c.id)).toEqual(WITHOUT_JSON);
    const ids = commands.filter((c) => c.enableJsonFlag).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(20);
    const files = readdirSync(join(SCHEMAS, 'commands'));
    const missing = ids.filter((id) => !files.includes(schemaFile(id).split('/').at(-1) ?? ''));
    expect(missing, 'commands without schemas/json/commands/ID.schema.json (docs/json.md)').toEqual([]);
    expect(
      ids.filter((id) => !(id in CASES)),
      'commands without a case in this test',
    ).toEqual([]);
    expect(Object.keys(CASES).filter((id) => !ids.includes(id))).toEqual([]);
    const schemaIds = readdirSync(join(SCHEMAS, 'commands')).map((f) => f.replace('.schema.json', ''));
    expect(schemaIds.filter((s) => !ids.some((id) => id.replaceAll(':', '-') === s))).toEqual([]);
  });

  // In order: init makes the stack, run the execution and the lock the next ones read, destroy ends it.
  for (const [id, testCase] of Object.entries(CASES)) {
    it(`${id}: success and error`, async () => {
      const ok = await testCase.success();
      const result = checkOutput(id, ok, 'success');
      if (id === 'run') state.id = (result.execution as { id: string }).id;
      checkOutput(id, await testCase.error(), 'error');
    });
  }
});
