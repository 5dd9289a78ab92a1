/**
 * What answers before the CLI's bundle loads (bin/run.js through dist/fast-path.cjs, and the binaries'
 * scripts/release/sea-main.js): reading and starting the bundle and oclif costs 100 ms and more over Node's
 * own start, which is most of the wait for `runvoy config path` and for help.
 *
 * - `runvoy config path` (exactly): prints the path the command prints, computed by the same code
 *   (config/paths.ts), when the file is absent or readable; a broken file (the command then warns on
 *   stderr) and anything that changes what oclif does (debug variables) go to oclif.
 * - Help (`--help`/`-h` before any `--`, `help ...`, no arguments): oclif's own output, kept from an
 *   earlier run with exactly the same inputs. The first run goes through oclif and records what it wrote
 *   to stdout; later runs print it. The key is everything help can depend on: the build, Node's version,
 *   platform and architecture, the arguments, the working directory, the whole environment, which of
 *   stdin/stdout/stderr are terminals and the terminal's size, and oclif's theme file. Only a run that
 *   exited 0 having written nothing to stderr is kept.
 *
 * RUNVOY_FAST_PATH=0 turns both off. Whenever unsure, these functions answer nothing and oclif runs.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { cacheDir, configFilePath } from '../config/paths.js';
import { readConfigFile } from '../config/store.js';

/** What the fast path uses of stdout. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface FastPathOptions {
  argv: readonly string[];
  /** Identifies the bundle (its hash): a new build never serves an older build's output. */
  buildId: string;
  env?: NodeJS.ProcessEnv;
  /** Where the output goes; process.stdout by default. */
  stdout?: OutputStream;
}

/** Kept outputs per cache directory; past this, the directory is emptied before the next is written. */
export const MAX_HELP_ENTRIES = 64;
const FORMAT = 1;
// oclif's help flags: `--help` and package.json's oclif.additionalHelpFlags.
const HELP_FLAGS = new Set(['--help', '-h']);

function enabled(env: NodeJS.ProcessEnv): boolean {
  // Windows: oclif's directories follow other rules there; no binary or test covers it.
  return env.RUNVOY_FAST_PATH !== '0' && process.platform !== 'win32';
}

/** Whether oclif answers these arguments with help (oclif's main.ts: helpAddition, and the help command). */
export function isHelpInvocation(argv: readonly string[]): boolean {
  if (argv.length === 0) return true;
  // oclif's version flag wins over help when it comes first.
  if (argv[0] === '--version') return false;
  if (argv[0] === 'help') return true;
  for (const arg of argv) {
    if (arg === '--') return false;
    if (HELP_FLAGS.has(arg)) return true;
  }
  return false;
}

/**
 * Any variable that turns on oclif's or Node's debug output, or an oclif setting: oclif answers those.
 * (Help reads them too, but the help key holds the whole environment.)
 */
function changesOclif(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some(
    (name) =>
      name === 'DEBUG' ||
      name === 'NODE_DEBUG' ||
      name.startsWith('OCLIF_') ||
      name.startsWith('RUNVOY_DEBUG'),
  );
}

/** oclif's configDir (config.ts: `RUNVOY_CONFIG_DIR`, else XDG_CONFIG_HOME or ~/.config, then `runvoy`). */
function oclifConfigDir(env: NodeJS.ProcessEnv): string {
  if (env.RUNVOY_CONFIG_DIR) return env.RUNVOY_CONFIG_DIR;
  const home = env.HOME || homedir();
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'runvoy');
}

/** The theme file oclif reads for help, as text; '' when there is none. */
function themeFile(env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(resolve(oclifConfigDir(env), 'theme.json'), 'utf8');
  } catch {
    return '';
  }
}

/** Everything the help output depends on, as one string. */
export function helpKey(options: FastPathOptions): string {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const tty = [0, 1, 2].map((fd) => isatty(fd));
  return JSON.stringify({
    format: FORMAT,
    build: options.buildId,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    execPath: process.execPath,
    argv: options.argv,
    cwd: process.cwd(),
    tty,
    stdout: { isTTY: stdout.isTTY === true, columns: stdout.columns, rows: stdout.rows },
    env: Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    theme: themeFile(env),
  });
}

/** cyrb53: a fast 53-bit string hash, for the file name only (the file holds the whole key). */
function hash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The directory of kept help outputs: `help/` in runvoy's cache directory (config/paths.ts). */
export function helpCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'help');
}

/** The file that keeps the output for `key` (which the file holds too, and is checked on reading). */
export function helpEntryPath(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(helpCacheDir(env), `${hash(key)}.json`);
}

interface HelpEntry {
  key: string;
  stdout: string;
}

function readEntry(path: string, key: string): string | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (entry === null || typeof entry !== 'object') return undefined;
  const { key: kept, stdout } = entry as Partial<HelpEntry>;
  return kept === key && typeof stdout === 'string' ? stdout : undefined;
}

/** Keeps `stdout` as the help output for `key`; silently does nothing when the directory is not writable. */
export function keepHelp(key: string, stdout: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = helpEntryPath(key, env);
  const entry: HelpEntry = { key, stdout };
  try {
    const dir = helpCacheDir(env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = readdirSync(dir);
    if (files.length >= MAX_HELP_ENTRIES) {
      for (const file of files) rmSync(join(dir, file), { force: true });
    }
    const temp = `${path}.${process.pid}`;
    writeFileSync(temp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    // A read-only or missing home: help goes through oclif every time, nothing else changes.
  }
}

/**
 * Writes `text` as oclif would: oclif's command.js, loaded by every oclif start, ignores EPIPE on stdout
 * (`runvoy --help | head -1`) and throws any other error of stdout.
 */
function print(options: FastPathOptions, text: string): void {
  if (options.stdout) {
    options.stdout.write(text);
    return;
  }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error && error.code === 'EPIPE') return;
    throw error;
  });
  process.stdout.write(text);
}

/** `runvoy config path` without oclif, when it would print the path and nothing else. */
function answerConfigPath(options: FastPathOptions, env: NodeJS.ProcessEnv): boolean {
  const { argv } = options;
  if (argv.length !== 2 || argv[0] !== 'config' || argv[1] !== 'path' || changesOclif(env)) return false;
  const path = configFilePath(env);
  if ('problem' in readConfigFile(path)) return false;
  print(options, `${path}\n`);
  return true;
}

/** Prints help kept from an earlier run with the same inputs. */
function answerHelp(options: FastPathOptions, env: NodeJS.ProcessEnv): boolean {
  if (!isHelpInvocation(options.argv)) return false;
  const key = helpKey(options);
  const stdout = readEntry(helpEntryPath(key, env), key);
  if (stdout === undefined) return false;
  print(options, stdout);
  return true;
}

/** Answers the invocation when it can; false means it printed nothing and oclif must run. */
export function answerFast(options: FastPathOptions): boolean {
  const env = options.env ?? process.env;
  if (!enabled(env)) return false;
  return answerConfigPath(options, env) || answerHelp(options, env);
}

/**
 * For a help invocation about to run through oclif: records what it writes to stdout, and keeps it when
 * the process exits 0 having written nothing to stderr. Call just before the bundle runs.
 */
export function recordHelp(options: Omit<FastPathOptions, 'stdout' | 'env'>): void {
  const env = process.env;
  if (!enabled(env) || !isHelpInvocation(options.argv)) return;
  // The key as it is now, before oclif or a command can change the environment.
  const key = helpKey(options);
  const chunks: string[] = [];
  let kept = true;
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    // oclif writes strings; anything else (bytes, another encoding) is not kept rather than re-encoded.
    if (typeof chunk === 'string' && (typeof rest[0] !== 'string' || /^utf-?8$/i.test(rest[0]))) {
      chunks.push(chunk);
    } else {
      kept = false;
    }
    return (stdoutWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  process.stderr.write = function write(this: NodeJS.WriteStream, ...args: unknown[]) {
    kept = false;
    return (stderrWrite as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof process.stderr.write;
  process.once('exit', (code) => {
    if (code === 0 && kept) keepHelp(key, chunks.join(''), env);
  });
}
