import { RunvoyCommand } from '../../base-command.js';
import type { LockItem } from '../../core/lock-protocol.js';
import { isoSeconds } from '../../core/time.js';

export default class LocksList extends RunvoyCommand<{ locks: LockItem[] }> {
  static override summary = 'List every lock, free or held, with its holder and fence.';

  protected async execute(): Promise<{ locks: LockItem[] }> {
    await this.parse(LocksList);
    const { listLocks } = await import('../../services/locks.js');
    const ctx = await this.stackContext();
    return { locks: await listLocks(ctx) };
  }

  protected render({ locks }: { locks: LockItem[] }): void {
    if (locks.length === 0) {
      this.note('No locks yet: a lock appears when a run takes it (`runvoy run --lock NAME`).');
      return;
    }
    const rows = locks.map((l) => [
      l.name,
      l.state,
      String(l.fence),
      l.holderExecutionId ?? '-',
      l.holderArn ?? '-',
      isoSeconds(l.acquiredAt),
    ]);
    const header = ['NAME', 'STATE', 'FENCE', 'HOLDER', 'WHO', 'SINCE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const row of [header, ...rows])
      this.log(
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  }
}
