/** Timing of child processes for the benches: wall time around `spawnSync`, sampled round-robin. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { nsToMs } from './stats.js';

export interface Subject {
  /** Stable key for JSON output, e.g. `runvoy-version`. */
  id: string;
  /** What the table shows, e.g. `runvoy --version`. */
  label: string;
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface TimedRun {
  ms: number;
  stdout: string;
  stderr: string;
}

export class SpawnFailed extends Error {}

/** Runs the subject once and returns its wall time in ms; throws if it cannot start or exits non-zero. */
export function timeSpawn(subject: Subject): TimedRun {
  const start = process.hrtime.bigint();
  const result = spawnSync(subject.file, subject.args, {
    cwd: subject.cwd,
    env: subject.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = nsToMs(process.hrtime.bigint() - start);
  const shown = [subject.file, ...subject.args].join(' ');
  if (result.error) throw new SpawnFailed(`${shown}: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited ${result.status}`;
    throw new SpawnFailed(`${shown} ${how}:\n${result.stderr}`);
  }
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

export interface SampleOptions {
  runs: number;
  /** Rounds run first and discarded (disk cache, JIT caches, CPU frequency). */
  warmup: number;
  /** Called after each round, e.g. for a progress line on stderr. */
  onRound?: (round: number, total: number) => void;
}

/**
 * Wall times in ms of every subject, keyed by id. Subjects are interleaved round-robin (run 1 of each,
 * then run 2 of each, ...) and run one at a time, so machine noise hits all of them alike.
 */
export function sampleRoundRobin(
  subjects: readonly Subject[],
  options: SampleOptions,
): Map<string, number[]> {
  const samples = new Map<string, number[]>(subjects.map((subject) => [subject.id, []]));
  const total = options.warmup + options.runs;
  for (let round = 0; round < total; round++) {
    for (const subject of subjects) {
      const { ms } = timeSpawn(subject);
      if (round >= options.warmup) samples.get(subject.id)?.push(ms);
    }
    options.onRound?.(round + 1, total);
  }
  return samples;
}

/** The first executable called `name` on PATH, like `command -v`. */
export function findOnPath(name: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
