import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { parseSince, validateSince } from '../core/duration.js';
import { validationError, type ValidationIssue } from '../core/errors.js';
import { isoSeconds } from '../core/time.js';
import { auditCsv, type AuditResult } from '../services/audit.js';
import { auditTable } from '../ui/tables.js';
import { choices } from '../flag-choices.js';

const FORMATS = ['table', 'json', 'csv'] as const;

export default class Audit extends RunvoyCommand<AuditResult> {
  static override summary =
    'Who ran what, when, from which host, with what outcome; kills, forced lock releases, adoptions.';
  static override examples = [
    '<%= config.bin %> audit',
    '<%= config.bin %> audit --since 30d --format csv > audit.csv',
    '<%= config.bin %> audit --since 2024-05-01 --until 2024-06-01 --format json',
  ];
  static override flags = {
    since: Flags.string({
      description: 'Start of the period: 7d, 12h or a date such as 2024-05-01.',
      default: '7d',
    }),
    until: Flags.string({ description: 'End of the period (default: now).' }),
    format: Flags.string({
      description: 'table, json or csv (--json is json).',
      options: choices(FORMATS),
      default: 'table',
    }),
  };

  private format: (typeof FORMATS)[number] = 'table';

  protected async execute(): Promise<AuditResult> {
    const { flags } = await this.parse(Audit);
    const now = new Date();
    const issues: ValidationIssue[] = [];
    const sinceIssue = validateSince(flags.since, now);
    if (sinceIssue) issues.push(sinceIssue);
    const untilIssue = flags.until === undefined ? undefined : validateSince(flags.until, now, '--until');
    if (untilIssue) issues.push(untilIssue);
    const since = sinceIssue ? undefined : parseSince(flags.since, now);
    const until = flags.until === undefined || untilIssue ? undefined : parseSince(flags.until, now);
    if (since && until && until.getTime() <= since.getTime()) {
      issues.push({
        field: '--until',
        value: flags.until ?? '',
        allowed: `a time after --since (${since.toISOString()}); it is ${until.toISOString()}`,
      });
    }
    if (!(FORMATS as readonly string[]).includes(flags.format)) {
      issues.push({ field: '--format', value: flags.format, allowed: FORMATS.join(', ') });
    }
    if (issues.length) throw validationError(issues);
    this.format = flags.format as (typeof FORMATS)[number];
    const { auditTrail } = await import('../services/audit.js');
    const ctx = await this.stackContext();
    return auditTrail(ctx, { since: since as Date, until });
  }

  protected override jsonOutput(): boolean {
    return super.jsonOutput() || this.format === 'json';
  }

  protected render(result: AuditResult): void {
    if (this.format === 'json') return this.logJson(this.toSuccessJson(result));
    if (this.format === 'csv') {
      process.stdout.write(auditCsv(result.events));
      return;
    }
    if (result.events.length === 0) {
      this.note(`No audit events since ${isoSeconds(result.since)}.`);
      return;
    }
    this.log(auditTable(result.events, { boxed: this.output.boxedTables }));
  }
}
