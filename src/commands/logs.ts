import { Args, Flags } from '@oclif/core';
import type { Writable } from 'node:stream';
import { RunvoyCommand } from '../base-command.js';
import { validationError, type ValidationIssue } from '../core/errors.js';
import { parseSince, SINCE_SYNTAX } from '../core/duration.js';
import type { LogsQuery } from '../services/logs.js';
import { CSV_HEADER, formatPage, retryNoticeLine, type LogFormat } from '../ui/log-lines.js';
import { checkOutputPath, openOutputFile } from '../ui/output-file.js';
import { abortOnClosedPipe, writeWithBackPressure } from '../ui/attach-views.js';
import type { LogLine } from '../aws/logs.js';

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
  static override jsonStream = true;
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
    const logFormat: LogFormat = this.jsonEnabled() ? 'json' : (flags.format as LogFormat);
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
    const { stack, store, clock } = await this.stackContext();
    const record = await resolveExecution(store, args.id);
    await warm;
    const stream = logs.streamOf(record);
    if (!stream) {
      this.note(
        `Execution ${record.id} has no task (${record.status}), so it has no logs.${record.stoppedReason ? ` ${record.stoppedReason}` : ''}`,
      );
      return { id: record.id, status: record.status, lines: 0 };
    }

    // A write error (disk full) stops the reading and is reported once the loop ends.
    const detach = new AbortController();
    const file = flags.output ? await openOutputFile(flags.output, () => detach.abort()) : undefined;
    const out: Writable = file?.stream ?? process.stdout;
    const id = this.jsonEnabled() ? record.id : undefined;
    const format = (lines: readonly LogLine[]) => formatPage(lines, logFormat, flags.timestamps, id);
    if (logFormat === 'csv') out.write(CSV_HEADER);
    let count = 0;
    const counted = (lines: readonly LogLine[]) => {
      count += lines.length;
      return format(lines);
    };
    if (flags.follow) {
      const { attachSession, viewKind } = await import('../ui/attach-session.js');
      const session = await attachSession({
        deps: { clients, store, stack, clock },
        record,
        mode: 'following',
        kind: viewKind(this.output, {
          json: this.jsonEnabled(),
          textOnStdout: !file && logFormat === 'text',
        }),
        ...this.sessionIo(),
        query,
        out,
        format,
        timestamps: flags.timestamps,
        detach,
      });
      await file?.close();
      this.exitStatus = session.exitCode;
      return {
        id: record.id,
        status: session.record.status,
        logStream: stream,
        lines: session.lines,
        ...(session.kind === 'detached' ? { detached: true } : {}),
        ...(flags.output ? { output: flags.output } : {}),
      };
    }

    const undoPipe = abortOnClosedPipe(detach);
    try {
      for await (const page of logs.readExecutionLogs({ clients, stack, record }, query, {
        timing: { giveUpAfterMs: clients.timeoutMs },
        onNotice: (notice) => {
          if (notice.kind === 'no-stream') {
            this.note(`The log stream ${stream} does not exist: the container has written nothing (yet).`);
          } else if (notice.kind === 'retry') {
            const line = retryNoticeLine(notice, this.globalFlags.debug);
            if (line) this.note(line);
          }
        },
        signal: detach.signal,
      })) {
        await writeWithBackPressure(out, counted(page), detach.signal);
      }
    } finally {
      undoPipe();
    }
    await file?.close();
    return {
      id: record.id,
      status: record.status,
      logStream: stream,
      lines: count,
      ...(flags.output ? { output: flags.output } : {}),
    };
  }

  protected render(result: LogsResult): void {
    if (result.output) this.note(`Wrote ${result.lines} lines to ${result.output}.`);
  }
}
