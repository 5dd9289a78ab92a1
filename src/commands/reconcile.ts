import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { DURATION_SYNTAX, parseDuration } from '../core/duration.js';
import { validationError } from '../core/errors.js';
import {
  DEFAULT_LOST_GRACE_MS,
  LOST_GRACE_FLOOR_MS,
  RUN_TASK_PHASE_LIMIT_MS,
  wholeMinutes as minutes,
} from '../core/grace.js';
import type { ReconcileReport } from '../services/reconcile.js';
import { reconcileTable } from '../ui/tables.js';

export default class Reconcile extends RunvoyCommand<ReconcileReport> {
  static override summary =
    'Do what a server would: finalise, mark LOST, adopt, release stale locks, enforce timeouts.';
  static override description = `Reads the unfinished executions from their index and asks ECS about their tasks (DescribeTasks, 100 a call). Finalises runs whose task stopped, marks LOST those ECS no longer knows (or whose task never appeared) after --grace, adopts tasks in the cluster that have no record (origin adopted), stops tasks whose --timeout has passed, and releases locks held by finished runs. Every write is conditional: running it twice changes nothing the second time.`;
  static override examples = [
    '<%= config.bin %> reconcile',
    '<%= config.bin %> reconcile --dry-run',
    '<%= config.bin %> reconcile --grace 30m --json',
  ];
  static override flags = {
    'dry-run': Flags.boolean({ description: 'Show what it would do; write nothing and stop nothing.' }),
    grace: Flags.string({
      description: `How long after its record was written (or its lock taken) a run whose task ECS does not know is still waited for (default ${minutes(DEFAULT_LOST_GRACE_MS)}). At least ${minutes(LOST_GRACE_FLOOR_MS)}: a run sends no RunTask after ${minutes(RUN_TASK_PHASE_LIMIT_MS)}, whatever its aws.timeout, and the rest is a margin for a RunTask that reached ECS just before then and for clock differences between machines. A shorter grace could mark LOST, and free the lock of, a run whose task is still starting, so it is refused (exit 2).`,
    }),
  };

  protected async execute(): Promise<ReconcileReport> {
    const { flags } = await this.parse(Reconcile);
    let graceMs = DEFAULT_LOST_GRACE_MS;
    if (flags.grace !== undefined) {
      const parsed = parseDuration(flags.grace);
      if (parsed === undefined || parsed < LOST_GRACE_FLOOR_MS) {
        throw validationError([
          {
            field: '--grace',
            value: flags.grace,
            allowed: `${DURATION_SYNTAX}, at least ${minutes(LOST_GRACE_FLOOR_MS)}`,
            hint: `A run may send RunTask up to ${minutes(RUN_TASK_PHASE_LIMIT_MS)} after taking its lock, and the floor adds a margin for clock differences between machines: a shorter grace could mark LOST, and free the lock of, a run whose task is still starting (docs/locks.md).`,
          },
        ]);
      }
      graceMs = parsed;
    }
    const { reconcile } = await import('../services/reconcile.js');
    const ctx = await this.stackContext();
    return reconcile(ctx, { dryRun: flags['dry-run'], graceMs });
  }

  protected render(report: ReconcileReport): void {
    const c = report.counts;
    if (report.actions.length) this.log(reconcileTable(report, { boxed: this.output.boxedTables }));
    const would = report.dryRun ? 'Dry run, nothing changed. Would have: ' : '';
    this.log(
      `${would}${c.finalised} finalised, ${c.lost} marked LOST, ${c.adopted} adopted, ${c.progressed} moved forward, ` +
        `${c.timeoutsEnforced} stopped at their timeout, ${c.locksReleased} lock(s) released; ` +
        `${c.unchanged} of ${c.active} unfinished run(s) left as they are.` +
        (c.removedFromActive
          ? ` ${c.removedFromActive} malformed record(s) taken out of the active index (see the warnings).`
          : ''),
    );
  }
}
