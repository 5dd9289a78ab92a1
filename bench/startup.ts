/**
 * Start-up bench: median wall time of `runvoy --version`, `--help`, `config path` and `list --help`, from
 * an npm install (the bench packs this tree with `npm pack`, installs the tarball globally into a
 * temporary prefix and runs its `bin/runvoy`, as a shell does) and from the single-file binary of this
 * platform (release/<os>-<arch>/runvoy, when `npm run release` made it), next to bare `node -e 0` and the
 * AWS CLI, as ratios to bare Node. Targets, from the npm install: `--version` <= 2.0x bare Node; `--help`,
 * `config path` and `list --help` <= 1.5x each. The same three through oclif (RUNVOY_FAST_PATH=0: no fast
 * path, no kept help) are shown for comparison.
 *
 *   npm run bench:startup [-- --runs 20 --warmup 2 --json --markdown --check --tree]
 *   npm run bench:startup -- --imports     # where the time goes: cost of importing each module
 *
 * Each command runs `--runs` times after `--warmup` discarded rounds, one at a time, interleaved
 * round-robin, each with its own empty RUNVOY_CONFIG_DIR (so its own kept help) and NO_COLOR=1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findOnPath, sampleRoundRobin, SpawnFailed, timeSpawn, type Subject } from './lib/spawn.js';
import { formatDeltaMs, formatMs, formatRatio, ratio, round, summarize, type Summary } from './lib/stats.js';
import { renderMarkdownTable, renderTable, type Column } from './lib/table.js';

const TARGETS = [
  { id: 'runvoy-version', label: 'runvoy --version', maxRatio: 2.0 },
  { id: 'runvoy-help', label: 'runvoy --help', maxRatio: 1.5 },
  { id: 'runvoy-config-path', label: 'runvoy config path', maxRatio: 1.5 },
  { id: 'runvoy-list-help', label: 'runvoy list --help', maxRatio: 1.5 },
] as const;
const REFERENCE_ID = 'node';
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Modules timed by `--imports`, each alone in a fresh process. The first three are what `--help` and
 * every command pay; the rest are what a command pays when it (or a module it imports) loads them.
 */
const IMPORTS: readonly { specifier: string; why: string }[] = [
  { specifier: '@oclif/core', why: 'every command but --version' },
  { specifier: 'semver', why: "oclif's Node engine check; conf" },
  { specifier: 'conf', why: 'config/store.ts, so base-command.ts' },
  { specifier: 'ajv/dist/2020.js', why: 'imported by conf' },
  { specifier: 'atomically', why: 'imported by conf' },
  { specifier: 'parse-duration', why: 'core/duration.ts, via settings' },
  { specifier: './dist/runvoy.cjs', why: 'the bundle, without its code cache: every command but --version' },
  { specifier: '@aws-sdk/client-ecs', why: 'lazily, by commands that call AWS' },
  { specifier: 'react', why: 'ink' },
  { specifier: 'ink', why: 'must stay lazy: only commands that draw' },
];

const USAGE = `Usage: tsx bench/startup.ts [--runs N] [--warmup N] [--json] [--markdown] [--check] [--tree] [--imports]

  --runs N     timed runs of each command (default 20)
  --warmup N   discarded rounds before timing (default 2)
  --json       print the figures as JSON on stdout
  --markdown   print the table as Markdown (for docs/performance.md)
  --check      exit 1 when a target is missed (--version 2.0x, the others 1.5x bare Node)
  --tree       run this tree's bin/run.js with this Node instead of packing and installing it
  --imports    instead, time \`await import(X)\` alone in a fresh process for the modules runvoy loads
`;

interface Options {
  runs: number;
  warmup: number;
  json: boolean;
  markdown: boolean;
  check: boolean;
  tree: boolean;
  imports: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      tree: { type: 'boolean', default: false },
      imports: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const count = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new SpawnFailed(`--${name} must be an integer >= ${min}`);
    return n;
  };
  return {
    runs: count('runs', values.runs, 1),
    warmup: count('warmup', values.warmup, 0),
    json: values.json,
    markdown: values.markdown,
    check: values.check,
    tree: values.tree,
    imports: values.imports,
  };
}

/** Builds once when there is nothing to run; build output goes to stderr so `--json` stays clean. */
function ensureBuilt(): void {
  if (existsSync(join(root, 'dist/runvoy.cjs'))) return;
  process.stderr.write('dist/runvoy.cjs is missing: running `npm run build`\n');
  const build = spawnSync('npm', ['run', 'build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  if (build.status !== 0) {
    throw new SpawnFailed(`npm run build failed (exit ${build.status ?? build.signal})`);
  }
}

/** A fresh, empty RUNVOY_CONFIG_DIR (and AWS config paths) per subject, removed at the end. */
class Sandbox {
  private readonly dirs: string[] = [];

  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'runvoy-bench-'));
    this.dirs.push(dir);
    return dir;
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const dir = this.dir();
    return {
      ...process.env,
      ...extra,
      RUNVOY_CONFIG_DIR: dir,
      NO_COLOR: '1',
      // Nothing the AWS CLI or SDK might read from the developer's home.
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    };
  }

  dispose(): void {
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

interface AwsCli {
  path: string;
  major: number;
  version: string;
}

/** `aws --version` of one binary, or undefined when it is not an AWS CLI that runs. */
function probeAws(path: string, env: NodeJS.ProcessEnv): AwsCli | undefined {
  try {
    const { stdout, stderr } = timeSpawn({
      id: 'probe',
      label: 'probe',
      file: path,
      args: ['--version'],
      env,
    });
    const match = /aws-cli\/((\d+)\.\S+)/.exec(`${stdout}${stderr}`);
    if (!match) return undefined;
    return { path, major: Number(match[2]), version: match[1] as string };
  } catch {
    return undefined;
  }
}

/** The Debian AWS CLI v2 at /usr/bin/aws and whatever `aws` is first on PATH (often pip's v1). */
function findAwsClis(env: NodeJS.ProcessEnv): AwsCli[] {
  const seen = new Set<string>();
  const found: AwsCli[] = [];
  for (const path of ['/usr/bin/aws', findOnPath('aws', env.PATH)]) {
    if (!path || !existsSync(path)) continue;
    const real = realpathSync(path);
    if (seen.has(real)) continue;
    seen.add(real);
    const cli = probeAws(path, env);
    if (cli) found.push(cli);
  }
  return found;
}

function awsLabel(cli: AwsCli, all: readonly AwsCli[]): string {
  const kind = cli.major === 1 ? 'AWS CLI v1 (pip)' : `AWS CLI v${cli.major}`;
  const ambiguous = all.filter((other) => other.major === cli.major).length > 1;
  return `aws --version, ${kind}${ambiguous ? ` at ${cli.path}` : ''}`;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function run(file: string, args: string[], cwd: string): string {
  const result = spawnSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new SpawnFailed(
      `${file} ${args.join(' ')} failed (exit ${result.status ?? result.signal}): ${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * What a user gets from npm: `npm pack` of this tree (dist/ as built: no build scripts run), installed
 * globally into a temporary prefix. Returns the installed `runvoy` command.
 */
function installPackage(sandbox: Sandbox): string {
  const dir = sandbox.dir();
  const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], root)
    .trim()
    .split('\n')
    .at(-1) as string;
  const prefix = join(dir, 'prefix');
  run(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      join(dir, tarball),
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
    ],
    dir,
  );
  const bin = join(prefix, 'bin', 'runvoy');
  if (!existsSync(bin)) throw new SpawnFailed(`npm install made no ${bin}`);
  process.stderr.write(`measuring ${bin}, installed from ${tarball}\n`);
  return bin;
}

function commandSubjects(sandbox: Sandbox, options: Options): Subject[] {
  const node = process.execPath;
  // The installed command runs through its shebang (`env -S node --`): the same Node as the reference
  // when this Node is the first on PATH.
  const installed = options.tree ? undefined : installPackage(sandbox);
  const runvoy = (id: string, label: string, args: string[], env: NodeJS.ProcessEnv = {}): Subject => ({
    id,
    label,
    file: installed ?? node,
    args: installed ? args : ['bin/run.js', ...args],
    cwd: root,
    env: sandbox.env(env),
  });
  const oclif = { RUNVOY_FAST_PATH: '0' };
  const list: Subject[] = [
    {
      id: REFERENCE_ID,
      label: 'node -e 0, bare Node',
      file: node,
      args: ['-e', '0'],
      cwd: root,
      env: sandbox.env(),
    },
    runvoy('runvoy-version', 'runvoy --version', ['--version']),
    runvoy('runvoy-help', 'runvoy --help', ['--help']),
    runvoy('runvoy-config-path', 'runvoy config path', ['config', 'path']),
    runvoy('runvoy-list-help', 'runvoy list --help', ['list', '--help']),
    runvoy('oclif-help', 'runvoy --help, through oclif', ['--help'], oclif),
    runvoy('oclif-config-path', 'runvoy config path, through oclif', ['config', 'path'], oclif),
    runvoy('oclif-list-help', 'runvoy list --help, through oclif', ['list', '--help'], oclif),
  ];
  const binary = join(root, 'release', `${process.platform}-${process.arch}`, 'runvoy');
  // The binaries embed Node 22, which starts sooner than most Node 20 builds: its bare start, for scale.
  const node22 = readdirSafe(join(root, 'release/.cache/node'))
    .filter(
      (dir) =>
        dir.startsWith(`node-${process.platform}-${process.arch}-`) ||
        dir.startsWith(`node-bin-${process.platform}-${process.arch}-`),
    )
    .map((dir) => join(root, 'release/.cache/node', dir, 'node'))
    .find((path) => existsSync(path));
  if (node22) {
    list.push({
      id: 'node22',
      label: "node -e 0, the binaries' Node",
      file: node22,
      args: ['-e', '0'],
      cwd: root,
      env: sandbox.env(),
    });
  }
  if (existsSync(binary)) {
    const fromBinary = (id: string, label: string, args: string[]): Subject => ({
      id,
      label,
      file: binary,
      args,
      cwd: root,
      env: sandbox.env(),
    });
    list.push(
      fromBinary('binary-version', 'binary --version', ['--version']),
      fromBinary('binary-help', 'binary --help', ['--help']),
      fromBinary('binary-config-path', 'binary config path', ['config', 'path']),
      fromBinary('binary-list-help', 'binary list --help', ['list', '--help']),
      {
        ...fromBinary('binary-oclif-help', 'binary --help, through oclif', ['--help']),
        env: sandbox.env(oclif),
      },
    );
  } else {
    process.stderr.write(`no binary at ${binary}: run \`npm run release\` to measure it too\n`);
  }
  const clis = findAwsClis(sandbox.env());
  for (const [i, cli] of clis.entries()) {
    const id = `aws-v${cli.major}`;
    list.push({
      id: list.some((subject) => subject.id === id) ? `${id}-${i}` : id,
      label: awsLabel(cli, clis),
      file: cli.path,
      args: ['--version'],
      cwd: root,
      env: sandbox.env(),
    });
  }
  return list;
}

/** `node --input-type=module -e "await import(X)"` for each module that resolves from the project root. */
function importSubjects(sandbox: Sandbox): Subject[] {
  const esm = (id: string, label: string, code: string): Subject => ({
    id,
    label,
    file: process.execPath,
    args: ['--input-type=module', '-e', code],
    cwd: root,
    env: sandbox.env(),
  });
  const list = [esm(REFERENCE_ID, 'node --input-type=module -e 0, bare Node', '0')];
  for (const { specifier, why } of IMPORTS) {
    const subject = esm(specifier, `${specifier} (${why})`, `await import(${JSON.stringify(specifier)});`);
    try {
      timeSpawn(subject);
      list.push(subject);
    } catch {
      process.stderr.write(`skipped ${specifier}: it does not import from ${root}\n`);
    }
  }
  return list;
}

interface Result extends Summary {
  id: string;
  label: string;
  command: string;
  ratio: number;
  deltaMs: number;
  samples: number[];
}

function measure(list: readonly Subject[], options: Options): Result[] {
  const progress = process.stderr.isTTY && !options.json;
  const samples = sampleRoundRobin(list, {
    runs: options.runs,
    warmup: options.warmup,
    onRound: progress
      ? (done, total) => process.stderr.write(`\rround ${done}/${total}${done === total ? '\n' : ''}`)
      : undefined,
  });
  const reference = summarize(samples.get(REFERENCE_ID) ?? []).median;
  return list.map((subject) => {
    const times = samples.get(subject.id) ?? [];
    const summary = summarize(times);
    return {
      id: subject.id,
      label: subject.label,
      command: [subject.file === process.execPath ? 'node' : subject.file, ...subject.args].join(' '),
      ...summary,
      ratio: ratio(summary.median, reference),
      deltaMs: summary.median - reference,
      samples: times,
    };
  });
}

function machine(): Record<string, unknown> {
  return { platform: platform(), release: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model };
}

function jsonResults(results: readonly Result[]): Record<string, unknown>[] {
  return results.map((r) => ({
    id: r.id,
    label: r.label,
    command: r.command,
    n: r.n,
    medianMs: round(r.median),
    p90Ms: round(r.p90),
    minMs: round(r.min),
    maxMs: round(r.max),
    meanMs: round(r.mean),
    ratio: round(r.ratio, 3),
    deltaMs: round(r.deltaMs),
    samplesMs: r.samples.map((ms) => round(ms)),
  }));
}

function print(options: Options, heading: string, columns: Column[], rows: string[][], footer: string): void {
  const table = options.markdown ? renderMarkdownTable(columns, rows) : renderTable(columns, rows);
  process.stdout.write(
    `${heading}, median of ${options.runs} runs after ${options.warmup} warm-up rounds, ` +
      `${process.version}, ${cpus().length} cores, ${platform()}\n\n${table}\n${footer ? `\n${footer}\n` : ''}`,
  );
}

function runImports(options: Options, sandbox: Sandbox): number {
  const results = measure(importSubjects(sandbox), options);
  if (options.json) {
    const json = {
      date: new Date().toISOString(),
      machine: machine(),
      node: process.version,
      mode: 'imports',
    };
    const body = { ...json, runs: options.runs, warmup: options.warmup, results: jsonResults(results) };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  const columns: Column[] = [
    { header: 'await import(...) (loaded by)' },
    { header: 'median ms', align: 'right' },
    { header: 'p90 ms', align: 'right' },
    { header: 'over bare node', align: 'right' },
  ];
  const rows = results.map((r) => [r.label, formatMs(r.median), formatMs(r.p90), formatDeltaMs(r.deltaMs)]);
  const note =
    'Each module alone in a fresh process; modules share dependencies, so the costs do not add up.';
  print(options, 'Import cost', columns, rows, note);
  return 0;
}

function runCommands(options: Options, sandbox: Sandbox): number {
  const results = measure(commandSubjects(sandbox, options), options);
  const verdicts = TARGETS.map((target) => {
    const result = results.find((r) => r.id === target.id) as Result;
    return { ...target, ratio: result.ratio, pass: result.ratio <= target.maxRatio };
  });
  const pass = verdicts.every((v) => v.pass);
  if (options.json) {
    const json = {
      date: new Date().toISOString(),
      machine: machine(),
      node: process.version,
      runs: options.runs,
      warmup: options.warmup,
      reference: REFERENCE_ID,
      targets: verdicts.map((v) => ({
        id: v.id,
        maxRatio: v.maxRatio,
        ratio: round(v.ratio, 3),
        pass: v.pass,
      })),
      results: jsonResults(results),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const columns: Column[] = [
      { header: 'command' },
      { header: 'median ms', align: 'right' },
      { header: 'p90 ms', align: 'right' },
      { header: 'vs bare node', align: 'right' },
    ];
    const rows = results.map((r) => [r.label, formatMs(r.median), formatMs(r.p90), formatRatio(r.ratio)]);
    const footer = verdicts
      .map(
        (v) =>
          `${v.pass ? 'PASS' : 'FAIL'}: ${v.label} (${options.tree ? 'this tree' : 'npm install'}) is ` +
          `${formatRatio(v.ratio)} bare Node ` +
          `(target <= ${formatRatio(v.maxRatio, 1)})`,
      )
      .join('\n');
    print(options, 'Start-up', columns, rows, footer);
  }
  return options.check && !pass ? 1 : 0;
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  ensureBuilt();
  const sandbox = new Sandbox();
  try {
    return options.imports ? runImports(options, sandbox) : runCommands(options, sandbox);
  } finally {
    sandbox.dispose();
  }
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`bench/startup: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
