import { Args, Flags } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { UsageError, validationError, type ValidationIssue } from '../../core/errors.js';
import {
  COST_GROUPINGS,
  REPORT_FORMATS,
  reportToCsv,
  reportToDocument,
  reportToRows,
  type CostGrouping,
  type CostReport,
  type ReportFormat,
} from '../../core/cost-report.js';
import { parseSince, SINCE_SYNTAX } from '../../core/duration.js';
import { isoSeconds } from '../../core/time.js';
import type { ExecutionCost } from '../../services/cost-report.js';
import { choices } from '../../flag-choices.js';

type CostOutput = ({ kind: 'execution' } & ExecutionCost) | ({ kind: 'report' } & CostReport);

export default class Cost extends RunvoyCommand<CostOutput> {
  static override summary =
    'What an execution cost, or spend over a period grouped by user, image, lock, day or month.';
  static override description = `With an ID (or a unique prefix): the cost of that execution, as recorded when it finished (or priced now from its record).
Without: a report of the executions created in --since..--until (default the last 30 days), read from the table's indexes (never a Scan), with totals.
Costs are exact (on-demand, billed from image pull to stop), estimated (Fargate Spot, an inferred start, still running) or unavailable (never counted as zero).
See also \`runvoy cost prices\`.`;
  static override examples = [
    '<%= config.bin %> cost 01JD3K',
    '<%= config.bin %> cost --since 30d --by user',
    '<%= config.bin %> cost --since 2026-11-01 --until 2026-11-30 --by day --format csv > november.csv',
    '<%= config.bin %> cost --by lock --user me',
  ];
  static override args = {
    id: Args.string({ required: false, description: 'Execution ID or unique prefix (omit for a report).' }),
  };
  static override flags = {
    since: Flags.string({
      description: 'Report start: a duration ago (30d, 12h) or an ISO date [default: 30d].',
    }),
    until: Flags.string({ description: 'Report end: a duration ago or an ISO date [default: now].' }),
    by: Flags.string({
      description: `Group by: ${COST_GROUPINGS.join(', ')} [default: user].`,
      options: choices(COST_GROUPINGS),
    }),
    format: Flags.string({
      description: `Output: ${REPORT_FORMATS.join(', ')} [default: table].`,
      options: choices(REPORT_FORMATS),
    }),
    user: Flags.string({ description: 'Only the executions of `me` or of a caller ARN.' }),
  };

  private format: ReportFormat = 'table';

  protected async execute(): Promise<CostOutput> {
    const { args, flags } = await this.parse(Cost);
    const issues: ValidationIssue[] = [];
    if (flags.format !== undefined && !(REPORT_FORMATS as readonly string[]).includes(flags.format)) {
      issues.push({ field: '--format', value: flags.format, allowed: REPORT_FORMATS.join(', ') });
    }
    if (flags.by !== undefined && !(COST_GROUPINGS as readonly string[]).includes(flags.by)) {
      issues.push({ field: '--by', value: flags.by, allowed: COST_GROUPINGS.join(', ') });
    }
    const now = new Date();
    const since = parseSince(flags.since ?? '30d', now);
    if (!since) issues.push({ field: '--since', value: flags.since ?? '', allowed: SINCE_SYNTAX });
    const until = flags.until === undefined ? now : parseSince(flags.until, now);
    if (!until) issues.push({ field: '--until', value: flags.until ?? '', allowed: SINCE_SYNTAX });
    if (
      flags.user !== undefined &&
      flags.user !== 'me' &&
      !/^arn:aws[\w-]*:(sts|iam)::\d{12}:\S+$/.test(flags.user)
    ) {
      issues.push({
        field: '--user',
        value: flags.user,
        allowed: '`me` or a caller ARN such as arn:aws:sts::123456789012:assumed-role/dev/alice',
      });
    }
    if (issues.length > 0) throw validationError(issues);
    if (since && until && until.getTime() <= since.getTime()) {
      throw new UsageError({
        what: `--until (${until.toISOString()}) must be after --since (${since.toISOString()}).`,
        fix: 'Swap or correct the dates. Nothing was sent to AWS.',
      });
    }
    this.format = (flags.format as ReportFormat | undefined) ?? 'table';

    if (args.id !== undefined) {
      const reportFlags = ['since', 'until', 'by', 'user'].filter(
        (f) => flags[f as keyof typeof flags] !== undefined,
      );
      if (reportFlags.length > 0 || this.format === 'csv') {
        throw new UsageError({
          what: `${reportFlags.length > 0 ? reportFlags.map((f) => `--${f}`).join(', ') : '--format csv'} applies to reports, not to one execution.`,
          fix: 'Run `runvoy cost ID` for one execution, or `runvoy cost --since 30d --by user` for a report.',
        });
      }
      const { checkIdArgument } = await import('../../services/execution-lookup.js');
      checkIdArgument(args.id);
    }

    const service = await import('../../services/cost-report.js');
    const ctx = await this.stackContext();
    if (args.id !== undefined) {
      const { resolveExecution } = await import('../../services/execution-lookup.js');
      const record = await resolveExecution(ctx.store, args.id);
      return { kind: 'execution', ...service.executionCost(record, now) };
    }
    const report = await service.costReport(ctx, {
      since: since as Date,
      until: until as Date,
      by: (flags.by as CostGrouping | undefined) ?? 'user',
      callerArn: flags.user === 'me' ? ctx.stack.identity.arn : flags.user,
      now,
    });
    const { requests: _requests, ...rest } = report;
    return { kind: 'report', ...rest };
  }

  /** A report's JSON says null, not 0, for an amount that is unknown. */
  public override toSuccessJson(result: CostOutput): object {
    return super.toSuccessJson(result.kind === 'report' ? reportToDocument(result) : result);
  }

  protected override jsonOutput(): boolean {
    return super.jsonOutput() || this.format === 'json';
  }

  protected render(result: CostOutput): void {
    if (this.format === 'json') {
      this.logJson(this.toSuccessJson(result));
      return;
    }
    if (result.kind === 'execution') {
      this.renderExecution(result);
      return;
    }
    if (this.format === 'csv') {
      process.stdout.write(reportToCsv(result));
      return;
    }
    const rows = reportToRows(result);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    rows.forEach((row, index) => {
      const line = row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
      this.log(index === 0 || index === rows.length - 1 ? this.paint('bold', line) : line);
    });
    this.note(
      this.paintErr(
        'dim',
        `Executions created ${isoSeconds(result.since)} .. ${isoSeconds(result.until)}. Costs in USD${result.total.unavailable > 0 ? `; ${result.total.unavailable === 1 ? '1 execution with no known cost is' : `${result.total.unavailable} executions with no known cost are`} counted in RUNS only, never as $0` : ''}.`,
      ),
    );
  }

  private renderExecution(result: ExecutionCost): void {
    const reason = result.costReason ? `: ${result.costReason}` : '';
    const cost =
      result.cost === undefined
        ? `unavailable${reason}`
        : `$${result.cost.toFixed(6)} (${result.costStatus}${reason})`;
    const lines = [
      `Execution ${result.id} (${result.status})`,
      `  cost       ${cost}`,
      `  size       ${result.cpu} CPU units, ${result.memory} MiB, ${result.arch}${result.spot ? ', Fargate Spot' : ''}, ${result.region}`,
      `  billed     ${result.billedFrom ? isoSeconds(result.billedFrom) : '?'} .. ${result.billedTo ? isoSeconds(result.billedTo) : '?'}${result.billedSeconds !== undefined ? ` (${result.billedSeconds} s)` : ''}`,
    ];
    if (result.breakdown) {
      const b = result.breakdown;
      lines.push(
        `  breakdown  vCPU $${b.vcpu.toFixed(6)}, memory $${b.memory.toFixed(6)}, storage $${b.storage.toFixed(6)}`,
      );
    }
    if (result.prices) lines.push(`  prices     ${result.prices.date}: ${result.prices.source}`);
    lines.push(
      `  source     ${result.from === 'record' ? 'recorded when it finished' : 'priced now from the record'}`,
    );
    this.log(lines.join('\n'));
  }
}
