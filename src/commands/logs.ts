import { Args, Flags } from '@oclif/core';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { RunvoyCommand } from '../base-command.js';
import type { AwsWait } from '../aws/watchdog.js';
import { waitingLine } from '../ui/aws-wait.js';
import { ExitCode, validationError, type ValidationIssue } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { parseSince, SINCE_SYNTAX } from '../core/duration.js';
import { isTerminal } from '../core/status.js';
import type { LogFormat, LogsQuery } from '../services/logs.js';
import { recordSummary, retryNoticeLine } from '../ui/log-lines.js';
import { checkOutputPath, openOutputFile } from '../ui/output-file.js';
import { toJson } from '../ui/json-output.js';
import type { AwsClients } from '../aws/clients.js';
import type { Store } from '../aws/store.js';
import type { StackContext } from '../services/stack-context.js';

interface LogsResult {
  id: string;
  status: string;
  logStream?: string;
  lines: number;
  output?: string;
  detached?: boolean;
}

const FORMATS = ['text', 'json', 'csv'] as const;

export default class Logs extends RunvoyCommand<LogsResult> {
  static override summary = 'Print the logs of an execution, or follow them live.';
  static override description = `Reads the execution's own CloudWatch Logs stream, so it works long after ECS has forgotten the task.
Every line is printed once and in order; output is streamed, so memory does not grow with the log.
With --follow in a terminal, shows the live view (d or Ctrl-C detach, k kill, t timestamps).`;
  static override examples = [
    '<%= config.bin %> logs 01hzx3k9 > out.txt',
    '<%= config.bin %> logs 01hzx3k9 --follow',
    '<%= config.bin %> logs 01hzx3k9 --since 10m --grep "error|warn"',
    '<%= config.bin %> logs 01hzx3k9 --filter \'"Exception" -Retrying\' --format csv --output errors.csv',
    '<%= config.bin %> logs 01hzx3k9 --tail 100 --timestamps',
  ];
  static override args = {
    id: Args.string({ description: 'Execution ID or a unique prefix of it.', required: true }),
  };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines until the task stops.' }),
    since: Flags.string({
      description: 'Only lines from this time: a duration ago (10m, 2h) or an ISO date.',
    }),
    until: Flags.string({ description: 'Only lines up to this time: a duration ago or an ISO date.' }),
    filter: Flags.string({
      description:
        'CloudWatch Logs filter pattern, applied by AWS (FilterLogEvents), e.g. \'"ERROR" -retry\'.',
    }),
    grep: Flags.string({ description: 'Only lines matching this regular expression (applied here).' }),
    format: Flags.string({ description: 'Output format.', options: [...FORMATS], default: 'text' }),
    output: Flags.string({ char: 'o', description: 'Write the lines to this file instead of stdout.' }),
    timestamps: Flags.boolean({ char: 't', description: 'Prefix each text line with its timestamp.' }),
    tail: Flags.integer({ char: 'n', description: 'Start with the last N lines.', min: 0 }),
  };

  protected async execute(): Promise<LogsResult> {
    const { args, flags } = await this.parse(Logs);
    const now = new Date();
    const issues: ValidationIssue[] = [];
    const since = flags.since === undefined ? undefined : parseSince(flags.since, now);
    if (flags.since !== undefined && !since)
      issues.push({ field: '--since', value: flags.since, allowed: SINCE_SYNTAX });
    const until = flags.until === undefined ? undefined : parseSince(flags.until, now);
    if (flags.until !== undefined && !until)
      issues.push({ field: '--until', value: flags.until, allowed: SINCE_SYNTAX });
    if (since && until && until < since) {
      issues.push({ field: '--until', value: flags.until ?? '', allowed: 'a time after --since' });
    }
    let grep: RegExp | undefined;
    if (flags.grep !== undefined) {
      try {
        grep = new RegExp(flags.grep);
      } catch (error) {
        issues.push({
          field: '--grep',
          value: flags.grep,
          allowed: `a JavaScript regular expression (${(error as Error).message})`,
        });
      }
    }
    if (flags.filter !== undefined && flags.filter.trim() === '') {
      issues.push({
        field: '--filter',
        value: flags.filter,
        allowed: 'a non-empty CloudWatch Logs filter pattern',
      });
    }
    const { checkIdArgument } = await import('../services/execution-lookup.js');
    checkIdArgument(args.id);
    if (issues.length > 0) throw validationError(issues);
    if (flags.output !== undefined) await checkOutputPath(flags.output);
    const format: LogFormat = this.jsonEnabled() ? 'json' : (flags.format as LogFormat);
    const query: LogsQuery = {
      follow: flags.follow,
      since: since?.getTime(),
      until: until?.getTime(),
      filter: flags.filter,
      grep,
      tail: flags.tail,
    };

    const [{ resolveExecution }, logs] = await Promise.all([
      import('../services/execution-lookup.js'),
      import('../services/logs.js'),
    ]);
    const { clients } = await this.context();
    // Load the CloudWatch Logs client while the stack and the record are read: it is needed next.
    const warm = clients.logs().catch(() => undefined);
    const { stack, store } = await this.stackContext();
    const record = await resolveExecution(store, args.id);
    await warm;
    const stream = logs.streamOf(record);
    if (!stream) {
      this.note(
        `Execution ${record.id} has no task (${record.status}), so it has no logs.${record.stoppedReason ? ` ${record.stoppedReason}` : ''}`,
      );
      return { id: record.id, status: record.status, lines: 0 };
    }

    const interactive =
      flags.follow && !flags.output && format === 'text' && !this.jsonEnabled() && this.output.liveView;
    if (interactive)
      return this.followLive(record, stream, query, flags.timestamps, { clients, store, stack });

    const detach = new AbortController();
    // A write error (disk full) stops the reading and is reported once the loop ends.
    const file = flags.output ? await openOutputFile(flags.output, () => detach.abort()) : undefined;
    const out: Writable = file?.stream ?? process.stdout;
    const onSigint = () => {
      if (detach.signal.aborted) process.exit(ExitCode.Interrupted);
      detach.abort();
    };
    const onPipeError = (error: NodeJS.ErrnoException) => {
      // The reader went away (`| head`): stop quietly.
      if (error.code === 'EPIPE') detach.abort();
    };
    process.on('SIGINT', onSigint);
    process.stdout.on('error', onPipeError);
    const watch = flags.follow ? logs.watchTask({ clients, store, stack }, record) : undefined;
    let count = 0;
    try {
      if (format === 'csv') await write(out, logs.CSV_HEADER, detach.signal);
      let lastStatus = record.status;
      for await (const page of logs.readExecutionLogs({ clients, stack, record }, query, {
        isStopped: watch?.isStopped,
        signal: detach.signal,
        // A run that stopped long ago has nothing left to flush: no grace before the final drain.
        timing: { giveUpAfterMs: clients.timeoutMs, ...(stoppedLongAgo(record) ? { drainGraceMs: 0 } : {}) },
        onNotice: (notice) => {
          if (notice.kind === 'no-stream') {
            this.note(`The log stream ${stream} does not exist: the container has written nothing (yet).`);
          } else if (notice.kind === 'retry') {
            const line = retryNoticeLine(notice, this.globalFlags.debug);
            if (line) this.note(line);
          }
        },
      })) {
        count += page.length;
        await write(out, logs.formatPage(page, format, flags.timestamps), detach.signal);
        if (watch && watch.current().status !== lastStatus) {
          lastStatus = watch.current().status;
          this.statusEvent(watch.current());
        }
      }
      await file?.close();
    } catch (error) {
      if (!watch) throw error;
      throw logs.followFailure(error, watch.current(), stack.stackName, watch.lastSeenAt());
    } finally {
      process.off('SIGINT', onSigint);
      process.stdout.off('error', onPipeError);
    }
    const final = watch?.current() ?? record;
    if (detach.signal.aborted && flags.follow && !isTerminal(final.status)) {
      this.exitStatus = ExitCode.Interrupted;
      this.note(`Stopped following ${record.id}; the task keeps running.`);
      return { id: record.id, status: final.status, logStream: stream, lines: count, detached: true };
    }
    if (watch) this.statusEvent(final, true);
    return {
      id: record.id,
      status: final.status,
      logStream: stream,
      lines: count,
      ...(flags.output ? { output: flags.output } : {}),
    };
  }

  /** Status changes while following: NDJSON under --json, a plain line on stderr otherwise. */
  private statusEvent(record: ExecutionRecord, final = false): void {
    if (this.jsonEnabled()) {
      process.stdout.write(
        `${JSON.stringify({ type: 'status', at: new Date().toISOString(), id: record.id, status: record.status, ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }) })}\n`,
      );
    } else if (final && isTerminal(record.status)) {
      this.note(recordSummary(record));
    } else if (!final) {
      this.note(`Status: ${record.status}`);
    }
  }

  private async followLive(
    record: ExecutionRecord,
    stream: string,
    query: LogsQuery,
    timestamps: boolean,
    deps: {
      clients: AwsClients;
      store: Store;
      stack: StackContext;
    },
  ): Promise<LogsResult> {
    const [{ startLiveView }, logs, { killExecutionTask }] = await Promise.all([
      import('../ui/live-view.js'),
      import('../services/logs.js'),
      import('../services/run.js'),
    ]);
    const detach = new AbortController();
    let killed = false;
    const view = startLiveView({
      colour: this.output.colour.stdout,
      record,
      onDetach: () => detach.abort(),
      onKill: () => {
        killed = true;
        killExecutionTask(deps, record).catch((error: Error) =>
          view.notice(`Could not stop the task: ${error.message}`),
        );
      },
    });
    this.liveNotice = (text) => view.notice(text);
    if (timestamps) view.store.toggleTimestamps();
    const watch = logs.watchTask(deps, record, { onChange: (r) => view.status(r) });
    let count = 0;
    try {
      for await (const page of logs.readExecutionLogs({ ...deps, record }, query, {
        isStopped: watch.isStopped,
        signal: detach.signal,
        timing: {
          giveUpAfterMs: deps.clients.timeoutMs,
          ...(stoppedLongAgo(record) ? { drainGraceMs: 0 } : {}),
        },
        onNotice: (notice) => view.tailNotice(notice),
      })) {
        count += page.length;
        view.lines(page);
      }
    } catch (error) {
      await view.close();
      throw logs.followFailure(error, watch.current(), deps.stack.stackName, watch.lastSeenAt());
    }
    const final = watch.current();
    if (detach.signal.aborted && !isTerminal(final.status)) {
      await view.close();
      this.exitStatus = ExitCode.Interrupted;
      this.note(
        `Detached from ${record.id}; the task keeps running. Stop it with \`runvoy kill ${record.id}\`.`,
      );
      return { id: record.id, status: final.status, logStream: stream, lines: count, detached: true };
    }
    await view.finish(recordSummary(final));
    if (killed) this.exitStatus = ExitCode.Interrupted;
    return { id: record.id, status: final.status, logStream: stream, lines: count };
  }

  /** Set while the live view is on screen: the waiting notice goes there, not under it on stderr. */
  private liveNotice: ((text: string) => void) | undefined;

  protected override awsWaiting(wait: AwsWait): void {
    if (this.liveNotice) this.liveNotice(waitingLine(wait));
    else super.awsWaiting(wait);
  }

  public override logJson(json: unknown): void {
    process.stdout.write(`${toJson({ type: 'result', ...(json as object) })}\n`);
  }

  protected render(result: LogsResult): void {
    if (result.output) this.note(`Wrote ${result.lines} lines to ${result.output}.`);
  }
}

/** Writes with back-pressure: waits for the output to drain, so nothing piles up in memory. */
async function write(out: Writable, text: string, signal: AbortSignal): Promise<void> {
  if (text === '' || signal.aborted) return;
  if (out.write(text)) return;
  try {
    await once(out, 'drain', { signal });
  } catch {
    // Aborted (detached, or the reader went away).
  }
}

function stoppedLongAgo(record: ExecutionRecord): boolean {
  return (
    isTerminal(record.status) && (!record.stoppedAt || Date.now() - Date.parse(record.stoppedAt) > 60_000)
  );
}
