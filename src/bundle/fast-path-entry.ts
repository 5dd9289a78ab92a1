/**
 * The entry of dist/fast-path.cjs (scripts/build.mjs), which bin/run.js loads before the bundle: the fast
 * path of src/bundle/fast-path.ts, bound to the id of the bundle built with it.
 */
import { answerFast, recordHelp } from './fast-path.js';

declare const RUNVOY_BUILD_ID: string;

/** Answers the invocation when it can without the bundle; false when the bundle must run. */
export function answer(argv: string[]): boolean {
  return answerFast({ argv, buildId: RUNVOY_BUILD_ID });
}

/** Before the bundle runs: keeps its help output for the next time (see fast-path.ts). */
export function record(argv: string[]): void {
  recordHelp({ argv, buildId: RUNVOY_BUILD_ID });
}
