import type { Writable } from 'node:stream';
import type { LogLine } from '../aws/logs.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { exitCodeForOutcome } from '../core/task-result.js';
import type { Finalised } from '../services/finalise.js';
import type { LogsQuery } from '../services/logs.js';
import type { RunDeps, RunReporter } from '../services/run.js';
import { abortOnClosedPipe, inkView, ndjsonView, plainView, type AttachView } from './attach-views.js';
import { recordSummary } from './log-lines.js';
import type { OutputMode } from './output-mode.js';
import { detachLines, summaryLine } from './run-lines.js';

/**
 * One attach session: `run` (attached) and `logs --follow` (following) both follow an execution here.
 * The service (attachExecution: one poll loop over the task, and the log tail) emits what happens; the
 * session shows it through one of three views (Ink, plain lines, NDJSON), and owns what the user does:
 * Ctrl-C (or d) detaches and exits 130, a second Ctrl-C stops waiting at once (exit 130, through the
 * command's error handler, so that clients are closed and the terminal restored), k kills the task.
 */

export type ViewKind = 'ink' | 'plain' | 'ndjson';

/** The view for this output: NDJSON under --json, Ink in a terminal (when the log is text on stdout). */
export function viewKind(output: OutputMode, options: { json: boolean; textOnStdout: boolean }): ViewKind {
  if (options.json) return 'ndjson';
  return output.liveView && options.textOnStdout ? 'ink' : 'plain';
}

export interface SessionOptions {
  deps: Pick<RunDeps, 'clients' | 'store' | 'stack' | 'clock'> & { reporter?: RunReporter };
  record: ExecutionRecord;
  mode: 'attached' | 'following';
  kind: ViewKind;
  output: OutputMode;
  /** Which lines (`logs --follow` flags); all by default. */
  query?: Omit<LogsQuery, 'follow'>;
  /** Where log lines go, and in what form (plain and NDJSON views); stdout by default. */
  out?: Writable;
  format(lines: readonly LogLine[]): string;
  /** Start the live view with timestamps shown (`logs --follow --timestamps`). */
  timestamps?: boolean;
  /** A line on stderr (the command's `note`). */
  note(text: string): void;
  /** One NDJSON event on stdout (the command's `emitEvent`). */
  emit(type: string, fields: object): void;
  debug: boolean;
  /** Aborting it detaches, as Ctrl-C does (a write error on `--output`, say). */
  detach?: AbortController;
  /** Told the view while it is on screen, so that slow-AWS notices can go there. */
  onView?(view: AttachView | undefined): void;
}

/** How it ended, and how many log lines were shown. */
export type SessionOutcome = { lines: number } & (
  | { kind: 'finished'; record: ExecutionRecord; finalised?: Finalised; exitCode: number }
  | { kind: 'detached'; record: ExecutionRecord; exitCode: typeof ExitCode.Interrupted }
);

const NO_REPORTER: RunReporter = {
  waitingForLock: () => undefined,
  lockAcquired: () => undefined,
  registered: () => undefined,
  spotFellBack: () => undefined,
  started: () => undefined,
  status: () => undefined,
  warn: () => undefined,
};

export async function attachSession(options: SessionOptions): Promise<SessionOutcome> {
  const { record, deps } = options;
  const detach = options.detach ?? new AbortController();
  const done = new AbortController();
  let killed = false;
  let shown = 0;
  const view = await makeView(options, detach, done.signal, () => (killed = true));
  options.onView?.(view);

  let interruptedAgain: (error: RunvoyError) => void = () => undefined;
  const again = new Promise<never>((_, reject) => (interruptedAgain = reject));
  again.catch(() => undefined);
  const onSigint = () => {
    if (!detach.signal.aborted) return detach.abort();
    interruptedAgain(
      new RunvoyError({
        what: `Interrupted again: stopped waiting at once. ${record.id} keeps running.`,
        fix: `Follow it with \`runvoy logs ${record.id} --follow\`, or stop it with \`runvoy kill ${record.id}\`.`,
        exitCode: ExitCode.Interrupted,
        code: 'INTERRUPTED',
      }),
    );
  };
  process.on('SIGINT', onSigint);
  // The reader went away (`| head`): stop quietly, as a detach.
  const undoPipe = abortOnClosedPipe(detach);

  const { attachExecution } = await import('../services/run.js');
  try {
    const following = attachExecution(
      { ...deps, reporter: watchReporter(deps.reporter ?? NO_REPORTER, view) },
      record,
      {
        mode: options.mode,
        detachSignal: detach.signal,
        query: options.query,
        onLines: (lines) => {
          shown += lines.length;
          return view.lines(lines);
        },
        onNotice: (notice) => view.notice(notice),
      },
    );
    // After a second Ctrl-C nobody waits for it: its end must not be an unhandled rejection.
    following.catch(() => undefined);
    const watched = await Promise.race([following, again]);
    if (watched.kind === 'detached') {
      await view.detached(watched.record, detachMessage(options, watched.record));
      return { kind: 'detached', record: watched.record, exitCode: ExitCode.Interrupted, lines: shown };
    }
    const finalised = watched.kind === 'finished' ? watched.finalised : undefined;
    const final = finalised?.record ?? (watched.kind === 'gone' ? watched.record : record);
    await view.finished(
      final,
      finalised && options.mode === 'attached' ? summaryLine(finalised) : recordSummary(final),
    );
    return {
      kind: 'finished',
      record: final,
      finalised,
      exitCode: exitCodeOf(options.mode, final, finalised, killed),
      lines: shown,
    };
  } catch (error) {
    await view.close();
    throw error;
  } finally {
    done.abort();
    options.onView?.(undefined);
    process.off('SIGINT', onSigint);
    undoPipe();
  }
}

/** The status and warnings of the watch go to the view; the rest of the run's reporter is done by then. */
function watchReporter(reporter: RunReporter, view: AttachView): RunReporter {
  return { ...reporter, status: (r) => view.status(r), warn: (message) => view.warning(message) };
}

/**
 * `run`: the container's exit code (130 when stopped by a kill, 124 on --timeout); `logs --follow`: 0,
 * or 130 when the user killed the task from the view.
 */
function exitCodeOf(
  mode: SessionOptions['mode'],
  record: ExecutionRecord,
  finalised: Finalised | undefined,
  killed: boolean,
): number {
  if (mode === 'following') return killed ? ExitCode.Interrupted : ExitCode.Ok;
  if (!finalised) return ExitCode.Failure;
  return exitCodeForOutcome(
    finalised.record.status === finalised.outcome.status
      ? finalised.outcome
      : { status: record.status, exitCode: record.exitCode ?? null },
  );
}

function detachMessage(options: SessionOptions, record: ExecutionRecord): string {
  const stackName = options.deps.stack.stackName;
  const stackFlag = stackName === 'runvoy' ? '' : ` --stack ${stackName}`;
  if (options.mode === 'attached') return detachLines(record, stackFlag).join('\n');
  return `Detached from ${record.id}; the task keeps running. Stop it with \`runvoy kill ${record.id}${stackFlag}\`.`;
}

async function makeView(
  options: SessionOptions,
  detach: AbortController,
  signal: AbortSignal,
  onKilled: () => void,
): Promise<AttachView> {
  const out = options.out ?? process.stdout;
  const stream = { out, format: options.format, signal };
  if (options.kind === 'ndjson') return ndjsonView({ ...stream, emit: options.emit });
  if (options.kind === 'plain') return plainView({ ...stream, note: options.note, debug: options.debug });
  const [{ startLiveView }, { killExecutionTask }] = await Promise.all([
    import('./live-view.js'),
    import('../services/run.js'),
  ]);
  const live = startLiveView({
    output: options.output,
    record: options.record,
    onDetach: () => detach.abort(),
    onKill: () => {
      onKilled();
      killExecutionTask(options.deps, options.record).catch((error: Error) =>
        live.notice(`Could not stop the task: ${error.message}`),
      );
    },
  });
  if (options.timestamps) live.store.toggleTimestamps();
  return inkView(live, options.note);
}
