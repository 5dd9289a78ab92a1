/**
 * Issue 11 item 9: Node 20 takes `--env-file FILE` as its own option anywhere on its command line up to a
 * `--`, even after the script name (nodejs/node#54232): it then applies a NODE_OPTIONS line of FILE to the
 * process (`--require x.js` runs x.js, inside a CLI that holds AWS credentials) and exits 9 when FILE is
 * missing. `runvoy run --env-file FILE` means the container's environment, so every documented way of
 * starting runvoy must leave FILE to runvoy: the installed command (`npm i -g` of the packed tarball) and
 * `npx -- runvoy`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, isolatedEnv } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

let dir: string;
let prefix: string;
let marker: string;
let hostileEnvFile: string;

/** npm itself, in the test's environment (its cache, no AWS settings). */
function npm(args: string[]): void {
  const result = spawnSync('npm', args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: isolatedEnv({}, { emulator: false }),
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runvoy-invocation-'));
  prefix = join(dir, 'prefix');
  // The built CLI (e2e tests run `npm run build` first), packed and installed as a user would.
  npm(['pack', '--ignore-scripts', '--pack-destination', dir]);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) ?? '';
  npm([
    'i',
    '-g',
    '--prefix',
    prefix,
    join(dir, tarball),
    '--prefer-offline',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
  ]);

  marker = join(dir, 'marker');
  const script = join(dir, 'x.cjs');
  writeFileSync(
    script,
    `require('node:fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n`,
  );
  hostileEnvFile = join(dir, 'container.env');
  // A valid NODE_OPTIONS for the container, then a line that only runvoy's parser reports (line 2).
  writeFileSync(hostileEnvFile, `NODE_OPTIONS=--require ${script}\n1BAD=x\n`);
}, 300_000);

beforeEach(() => rmSync(marker, { force: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Invocation {
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const invocations = (): Invocation[] => [
  {
    label: 'runvoy (installed with npm i -g from the packed tarball)',
    command: join(prefix, 'bin', 'runvoy'),
    args: [],
  },
  {
    label: 'npx -- runvoy',
    command: 'npx',
    args: ['--no-install', '--', 'runvoy'],
    env: { npm_config_prefix: prefix },
  },
  { label: 'node -- bin/run.js (as the tests start it)', command: process.execPath, args: ['--', BIN] },
];

function start(invocation: Invocation, args: string[]) {
  const env = isolatedEnv(
    {
      NO_COLOR: '1',
      RUNVOY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'runvoy-test-')),
      AWS_REGION: 'us-east-1',
      ...invocation.env,
    },
    { emulator: false },
  );
  const result = spawnSync(invocation.command, [...invocation.args, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(['runvoy (installed', 'npx -- runvoy', 'node -- bin/run.js'])('%s', (prefixOfLabel) => {
  const invocation = () => invocations().find((i) => i.label.startsWith(prefixOfLabel)) as Invocation;

  it('reads --env-file itself: Node applies no NODE_OPTIONS from it, runvoy reports its bad line', () => {
    const result = start(invocation(), [
      'run',
      '--image',
      IMAGE,
      '--env-file',
      hostileEnvFile,
      '--',
      'echo',
      'hi',
    ]);
    expect(existsSync(marker), 'Node ran the NODE_OPTIONS --require of the env file').toBe(false);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`--env-file ${hostileEnvFile}:2`);
    expect(result.stderr).toContain('Nothing was sent to AWS');
  });

  it("a missing --env-file: runvoy's message and exit 2, not Node's exit 9", () => {
    const missing = join(dir, 'missing.env');
    const result = start(invocation(), ['run', '--image', IMAGE, '--env-file', missing, '--', 'echo', 'hi']);
    expect(result.stderr).not.toContain('node:');
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`--env-file ${missing} cannot be read`);
  });

  it('also with --env-file=FILE and without --', () => {
    const result = start(invocation(), [
      'run',
      '--image',
      IMAGE,
      `--env-file=${hostileEnvFile}`,
      'echo',
      'hi',
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`--env-file ${hostileEnvFile}:2`);
  });
});

describe('node bin/run.js without --, which the docs do not show', () => {
  // Node has read the file (and run its NODE_OPTIONS) before bin/run.js starts: nothing can undo that,
  // so runvoy refuses to go on and says how to start it. Only Linux shows how Node was started.
  it.runIf(process.platform === 'linux')('refuses with exit 2 and says how to start runvoy safely', () => {
    const result = start({ label: 'node bin/run.js', command: process.execPath, args: [BIN] }, [
      'run',
      '--image',
      IMAGE,
      '--env-file',
      hostileEnvFile,
      '--',
      'echo',
      'hi',
    ]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`Node.js itself read --env-file ${hostileEnvFile} before runvoy started`);
    expect(result.stderr).toContain('node -- <script>');
  });

  it('goes on as usual without --env-file', () => {
    const result = start({ label: 'node bin/run.js', command: process.execPath, args: [BIN] }, ['--version']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^runvoy\/\d+\.\d+\.\d+ /);
  });
});

describe('the README', () => {
  it('shows the installed command in its examples, never `node bin/run.js`, and npx only with --', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').join('\n');
    expect(examples).toMatch(/npm i -g \.\/runvoy-\*\.tgz/);
    expect(examples).toMatch(/^runvoy run /m);
    expect(examples).not.toMatch(/node bin\/run\.js/);
    expect(readme).not.toMatch(/npx runvoy/);
    expect(readme).toContain('npx -- runvoy');
  });
});
