import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { DURATION_SYNTAX, parseDuration } from '../core/duration.js';
import { validationError } from '../core/errors.js';
import { DEFAULT_LOST_GRACE_MS } from '../core/reconcile-plan.js';
import type { ReconcileReport } from '../services/reconcile.js';
import { reconcileTable } from '../ui/tables.js';

export default class Reconcile extends RunvoyCommand<ReconcileReport> {
  static override summary =
    'Do what a server would: finalise, mark LOST, adopt, release stale locks, enforce timeouts.';
  static override description = `Reads the unfinished executions from their index and asks ECS about their tasks (DescribeTasks, 100 a call). Finalises runs whose task stopped, marks LOST those ECS no longer knows after --grace, adopts tasks in the cluster that have no record (origin adopted), stops tasks whose --timeout has passed, and releases locks held by finished runs. Every write is conditional: running it twice changes nothing the second time.`;
  static override examples = [
    '<%= config.bin %> reconcile',
    '<%= config.bin %> reconcile --dry-run',
    '<%= config.bin %> reconcile --grace 5m --json',
  ];
  static override flags = {
    'dry-run': Flags.boolean({ description: 'Show what it would do; write nothing and stop nothing.' }),
    grace: Flags.string({
      description:
        'How long after creation a run whose task ECS does not know is still waited for (default 15m).',
    }),
  };

  protected async execute(): Promise<ReconcileReport> {
    const { flags } = await this.parse(Reconcile);
    let graceMs = DEFAULT_LOST_GRACE_MS;
    if (flags.grace !== undefined) {
      // parseDuration refuses zero; a grace of 0 (mark LOST at once) is a valid choice here.
      const parsed = /^0+[smhd]?$/i.test(flags.grace.trim()) ? 0 : parseDuration(flags.grace);
      if (parsed === undefined)
        throw validationError([{ field: '--grace', value: flags.grace, allowed: DURATION_SYNTAX }]);
      graceMs = parsed;
    }
    const { executionsContext } = await import('../services/list.js');
    const { reconcile } = await import('../services/reconcile.js');
    const ctx = await executionsContext(await this.aws(), String(this.settings().stack.value), (m) =>
      this.note(m),
    );
    return reconcile(ctx, { dryRun: flags['dry-run'], graceMs });
  }

  protected render(report: ReconcileReport): void {
    const c = report.counts;
    if (report.actions.length) this.log(reconcileTable(report, { boxed: this.output.boxedTables }));
    const would = report.dryRun ? 'Dry run, nothing changed. Would have: ' : '';
    this.log(
      `${would}${c.finalised} finalised, ${c.lost} marked LOST, ${c.adopted} adopted, ${c.progressed} moved forward, ` +
        `${c.timeoutsEnforced} stopped at their timeout, ${c.locksReleased} lock(s) released; ` +
        `${c.unchanged} of ${c.active} unfinished run(s) left as they are.`,
    );
  }
}
