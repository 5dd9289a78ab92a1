import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { parseSince, validateSince } from '../core/duration.js';
import { validationError, type ValidationIssue } from '../core/errors.js';
import { EXECUTION_STATUSES, isExecutionStatus, type ExecutionStatus } from '../core/status.js';
import type { ListResult } from '../services/list.js';
import { executionsTable } from '../ui/tables.js';
import { choices } from '../flag-choices.js';

const MAX_LIMIT = 1000;

export default class List extends RunvoyCommand<ListResult> {
  static override aliases = ['ps'];
  static override summary = 'List recent executions, newest first.';
  static override description = `Served by the table's indexes (never a Scan). Non-terminal rows are refreshed from ECS in one DescribeTasks call, and those whose task stopped are finalised. Adopted runs are marked with *.`;
  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> ps --status RUNNING',
    '<%= config.bin %> list --user me --since 2d --limit 50',
    '<%= config.bin %> list --lock prod-apply --json',
  ];
  static override flags = {
    status: Flags.string({
      char: 's',
      multiple: true,
      description: `Only these statuses (repeatable or comma-separated): ${EXECUTION_STATUSES.join(', ')}.`,
      options: choices(EXECUTION_STATUSES),
    }),
    user: Flags.string({ char: 'u', description: 'Only runs of this caller: `me` or an STS/IAM ARN.' }),
    lock: Flags.string({ description: 'Only runs that held this lock.' }),
    image: Flags.string({ description: 'Only runs of this image (exact).' }),
    since: Flags.string({ description: 'Only runs created since, e.g. 2h, 7d or 2024-05-01.' }),
    limit: Flags.integer({ char: 'n', description: `Rows per page, 1 to ${MAX_LIMIT}.`, default: 20 }),
    cursor: Flags.string({ description: 'Continue from the cursor printed under the previous page.' }),
  };

  protected async execute(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const issues: ValidationIssue[] = [];
    const statuses: ExecutionStatus[] = [];
    for (const text of (flags.status ?? []).flatMap((s) => s.split(','))) {
      const status = text.trim().toUpperCase();
      if (isExecutionStatus(status)) statuses.push(status);
      else issues.push({ field: '--status', value: text, allowed: EXECUTION_STATUSES.join(', ') });
    }
    const now = new Date();
    if (flags.since !== undefined) {
      const issue = validateSince(flags.since, now);
      if (issue) issues.push(issue);
    }
    if (flags.limit < 1 || flags.limit > MAX_LIMIT) {
      issues.push({
        field: '--limit',
        value: String(flags.limit),
        allowed: `an integer from 1 to ${MAX_LIMIT}`,
      });
    }
    if (
      flags.user !== undefined &&
      flags.user !== 'me' &&
      !/^arn:aws[a-z-]*:(sts|iam)::\d{12}:\S+$/.test(flags.user)
    ) {
      issues.push({
        field: '--user',
        value: flags.user,
        allowed: '`me`, or an STS or IAM ARN such as arn:aws:sts::123456789012:assumed-role/Dev/alice',
      });
    }
    if (flags.cursor !== undefined && !/^[A-Za-z0-9_-]+$/.test(flags.cursor)) {
      issues.push({
        field: '--cursor',
        value: flags.cursor,
        allowed: 'the cursor printed under a previous page',
      });
    }
    if (issues.length) throw validationError(issues);

    const { listExecutions } = await import('../services/list.js');
    const ctx = await this.stackContext();
    return listExecutions(ctx, {
      statuses: statuses.length ? [...new Set(statuses)] : undefined,
      callerArn: flags.user === 'me' ? ctx.stack.identity.arn : flags.user,
      lock: flags.lock,
      image: flags.image,
      since: flags.since === undefined ? undefined : parseSince(flags.since, now),
      limit: flags.limit,
      cursor: flags.cursor,
    });
  }

  protected render(result: ListResult): void {
    if (result.executions.length === 0) {
      this.note('No executions match.');
      return;
    }
    this.log(executionsTable(result.executions, { boxed: this.output.boxedTables }));
    if (result.refreshed.length)
      this.note(`Finalised ${result.refreshed.length} run(s) whose task had stopped.`);
    if (result.cursor)
      this.note(`More: ${this.hint('list', '--cursor', result.cursor)} (with the same filters)`);
  }
}
