import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { RunvoyError, UsageError } from '../core/errors.js';

/** Files runvoy writes for the user (`--output`) are private, like the config file. */
export const OUTPUT_FILE_MODE = 0o600;

/**
 * Why `path` cannot be written, found before anything is sent to AWS; undefined when it can. A file that
 * exists is replaced; a new one is created in a directory that must exist.
 */
export async function outputPathProblem(path: string): Promise<string | undefined> {
  if (path.trim() === '') return 'the path is empty';
  const full = resolve(path);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory()) return `${full} is a directory`;
  if (existing) {
    return (await access(full, constants.W_OK).then(
      () => true,
      () => false,
    ))
      ? undefined
      : `${full} is not writable by you`;
  }
  const dir = dirname(full);
  const parent = await stat(dir).catch(() => undefined);
  if (!parent) return `the directory ${dir} does not exist`;
  if (!parent.isDirectory()) return `${dir} is not a directory`;
  const writable = await access(dir, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
  return writable ? undefined : `you cannot create files in ${dir}`;
}

/** The exit-2 error for an `--output` that cannot be written. */
export async function checkOutputPath(path: string, flag = '--output'): Promise<void> {
  const problem = await outputPathProblem(path);
  if (problem === undefined) return;
  throw new UsageError({
    what: `${flag} ${path} cannot be written: ${problem}.`,
    fix: `Give ${flag} a file in a directory that exists and that you can write to. Nothing was sent to AWS.`,
    code: 'OUTPUT_NOT_WRITABLE',
    data: { path, problem },
  });
}

export interface OutputFile {
  stream: Writable;
  /** Ends the file and waits until it is written; throws the first write error as a RunvoyError. */
  close(): Promise<void>;
  /** The first error writing the file, if any. */
  error(): RunvoyError | undefined;
}

function writeError(path: string, error: NodeJS.ErrnoException): RunvoyError {
  return new RunvoyError({
    what: `Could not write ${path}.`,
    why: `${error.code ?? error.name}: ${error.message}`,
    fix: 'Free some space or choose another --output path, and run the command again.',
    code: 'OUTPUT_WRITE_FAILED',
    cause: error,
  });
}

/**
 * Opens `path` for writing with mode 0600 (an existing file is truncated and made 0600 too). Write
 * errors never crash the process: they are kept, reported to `onError`, and thrown by `close()`.
 */
export async function openOutputFile(
  path: string,
  onError?: (error: RunvoyError) => void,
): Promise<OutputFile> {
  let handle;
  try {
    handle = await open(path, 'w', OUTPUT_FILE_MODE);
    // An existing file keeps its mode on open: make it private too (not a device such as /dev/stdout).
    if ((await handle.stat()).isFile()) await handle.chmod(OUTPUT_FILE_MODE);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    throw writeError(path, error as NodeJS.ErrnoException);
  }
  const stream = handle.createWriteStream();
  let failed: RunvoyError | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = writeError(path, error);
    onError?.(failed);
  });
  return {
    stream,
    error: () => failed,
    close: async () => {
      if (!failed) {
        await new Promise<void>((done) => {
          stream.once('close', done);
          stream.end();
        });
      } else {
        stream.destroy();
      }
      if (failed) throw failed;
    },
  };
}
