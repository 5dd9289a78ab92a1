import type { RunvoyError } from '../core/errors.js';

/**
 * The two shapes of `--json` output (docs/json.md, schemas/envelope.schema.json, schemas/event.schema.json):
 *
 * - a single document, for every command but the streams: `{ok, exitCode, result, warnings}` on
 *   success, `{ok: false, error: {code, message, why, fix, exitCode, ...}, warnings}` on failure;
 * - NDJSON events, for `run` and `logs`: one `{type, time, ...}` per line, the last one a `result` or
 *   an `error` event that is the document above with its `type` and `time`.
 */

/** Something the command skipped or could not do, that did not stop it (a malformed item, say). */
export interface JsonWarning {
  message: string;
}

export interface SuccessDocument<T = unknown> {
  ok: true;
  exitCode: number;
  result: T;
  warnings: JsonWarning[];
}

export interface ErrorDocument {
  ok: false;
  error: {
    code: string;
    message: string;
    why?: string;
    fix?: string;
    exitCode: number;
    [extra: string]: unknown;
  };
  warnings: JsonWarning[];
}

export function successDocument<T>(result: T, exitCode: number, warnings: JsonWarning[]): SuccessDocument<T> {
  return { ok: true, exitCode, result, warnings: [...warnings] };
}

export function errorDocument(error: RunvoyError, warnings: JsonWarning[] = []): ErrorDocument {
  return {
    ok: false,
    error: {
      ...(error.data ?? {}),
      code: error.code,
      message: error.what,
      ...(error.why === undefined ? {} : { why: error.why }),
      ...(error.fix === undefined ? {} : { fix: error.fix }),
      exitCode: error.exitCode,
    },
    warnings: [...warnings],
  };
}

/** One NDJSON event: its type, the time it was written, then its fields. */
export function streamEvent<T extends object>(type: string, fields: T, now: Date = new Date()) {
  return { type, time: now.toISOString(), ...fields };
}
