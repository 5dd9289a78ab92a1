/**
 * The one decision about colour and the terminal UI, made here and nowhere else: errors, notes, tables,
 * the live view (Ink) and its choice over plain lines all ask this module.
 *
 * - Colour, per stream: `NO_COLOR` (not empty) turns it off; else `FORCE_COLOR` decides (`0` and
 *   `false` off, anything else on, as supports-color reads it); else `TERM=dumb` turns it off; else it
 *   is on for a terminal.
 * - `CI` (set, and not `''`, `0` or `false`): plain lines, no Ink view, no boxes and no prompts, even in a
 *   terminal, since a CI log is read later, not watched.
 * - The Ink live view needs a terminal on stdout and on stdin (for its keys) and a `TERM` that is not
 *   `dumb`, and is never used with `--json`.
 */

interface Stream {
  isTTY?: boolean;
}

export interface Streams {
  stdout: Stream;
  stderr: Stream;
  stdin: Stream;
}

export interface OutputMode {
  /** ANSI styling on each stream. */
  colour: { stdout: boolean; stderr: boolean };
  /** The CI variable is set: everything is plain lines. */
  ci: boolean;
  /** The Ink live view on stdout, with keys on stdin (`run`, `logs --follow`). */
  liveView: boolean;
  /** Ink progress on stderr (`init`). */
  liveProgress: boolean;
  /** Boxed tables on stdout; otherwise space-separated columns that grep and awk can read. */
  boxedTables: boolean;
  /** A question may be asked on stderr and answered on stdin. */
  prompts: boolean;
}

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** Whether the CI variable says this runs in CI (`CI=false` and `CI=0` say it does not). */
export function isCi(env: Env = process.env): boolean {
  return isSet(env.CI) && !['0', 'false'].includes((env.CI ?? '').toLowerCase());
}

/** Whether ANSI colour goes to a stream. */
export function colourFor(stream: Stream, env: Env = process.env): boolean {
  if (isSet(env.NO_COLOR)) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase());
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function outputMode(options: { env?: Env; streams?: Streams; json?: boolean } = {}): OutputMode {
  const env = options.env ?? process.env;
  const streams = options.streams ?? process;
  const ci = isCi(env);
  const json = options.json ?? false;
  const terminal = (stream: Stream) => Boolean(stream.isTTY) && !ci && env.TERM !== 'dumb';
  return {
    // JSON is never painted.
    colour: { stdout: !json && colourFor(streams.stdout, env), stderr: colourFor(streams.stderr, env) },
    ci,
    liveView: !json && terminal(streams.stdout) && Boolean(streams.stdin.isTTY),
    liveProgress: !json && terminal(streams.stderr),
    boxedTables: !json && terminal(streams.stdout),
    prompts: !ci && Boolean(streams.stdin.isTTY && streams.stderr.isTTY),
  };
}

/** The part of chalk that Ink's colours depend on. */
interface ChalkLevel {
  level: 0 | 1 | 2 | 3;
}

/**
 * Gives Ink the colour decision before a view mounts, through chalk, whose level Ink reads: chalk
 * itself ignores NO_COLOR and looks only at stdout.
 */
export function applyInkColour(chalk: ChalkLevel, colour: boolean): void {
  chalk.level = colour ? (Math.max(chalk.level, 1) as 1 | 2 | 3) : 0;
}
