import { Args } from '@oclif/core';
import { RunvoyCommand } from '../base-command.js';
import { formatDuration } from '../core/duration.js';
import { displayCommand } from '../core/shell-quote.js';
import { isoSeconds } from '../core/time.js';
import { checkIdArgument } from '../services/execution-lookup.js';
import type { StatusResult } from '../services/status.js';
import { cost, elapsed, originText } from '../ui/tables.js';

export default class Status extends RunvoyCommand<StatusResult> {
  static override summary = 'Show everything about one execution, with console links to its task and logs.';
  static override description =
    'ID may be any unique prefix of at least 4 characters. A run that is not finished is refreshed from ECS, and finalised if its task has stopped.';
  static override examples = [
    '<%= config.bin %> status 7k2m9x4qbd0e',
    '<%= config.bin %> status 7k2m --json',
  ];
  static override args = {
    id: Args.string({ required: true, description: 'Execution ID or unique prefix.' }),
  };

  protected async execute(): Promise<StatusResult> {
    const { args } = await this.parse(Status);
    const id = checkIdArgument(args.id);
    const { executionStatus } = await import('../services/status.js');
    const ctx = await this.stackContext();
    return executionStatus(ctx, id);
  }

  protected render(result: StatusResult): void {
    const r = result.execution;
    const fields: Array<[string, string | undefined]> = [
      ['id', r.id],
      ['status', r.status],
      ['origin', originText(r)],
      ['who', r.callerArn],
      ['host', r.host],
      ['image', r.image],
      ['command', displayCommand(r.command, r.shell) || "(the image's own)"],
      ['size', `${r.cpu} CPU units, ${r.memory} MiB, ${r.arch}${r.spot ? ', Spot requested' : ''}`],
      ['capacity', r.capacityProvider],
      ['ephemeral storage', r.ephemeralStorageGiB === undefined ? undefined : `${r.ephemeralStorageGiB} GiB`],
      ['lock', r.lockName ? `${r.lockName} (fence ${r.fence ?? '?'})` : undefined],
      [
        'tags',
        Object.keys(r.tags ?? {}).length
          ? Object.entries(r.tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : undefined,
      ],
      ['env names', r.envNames?.length ? r.envNames.join(', ') : undefined],
      ['secret names', r.secretNames?.length ? r.secretNames.join(', ') : undefined],
      ['created', isoSeconds(r.createdAt)],
      ['pull started', r.pullStartedAt && isoSeconds(r.pullStartedAt)],
      ['started', r.startedAt && isoSeconds(r.startedAt)],
      ['stopped', r.stoppedAt && isoSeconds(r.stoppedAt)],
      ['duration', elapsed(r, Date.now())],
      ['exit code', r.exitCode === undefined ? undefined : String(r.exitCode ?? 'none')],
      ['stop code', r.stopCode],
      ['stopped reason', r.stoppedReason],
      ['container reason', r.containerReason],
      [
        'timeout',
        r.timeoutMs === undefined
          ? undefined
          : `${formatDuration(r.timeoutMs)} (at ${r.timeoutAt ? isoSeconds(r.timeoutAt) : '?'})`,
      ],
      ['detached', r.detached ? 'yes' : undefined],
      ['killed by', r.killedBy ? `${r.killedBy} at ${r.killedAt ? isoSeconds(r.killedAt) : '?'}` : undefined],
      [
        'cost',
        r.cost === undefined
          ? r.costStatus
            ? `${r.costStatus}${r.costReason ? ` (${r.costReason})` : ''}`
            : undefined
          : `${cost(r)} (${r.costStatus ?? '?'}${r.costReason ? `, ${r.costReason}` : ''})`,
      ],
      ['region', r.region],
      ['cluster', r.clusterArn],
      ['task definition', r.taskDefinitionArn ?? r.taskDefinitionFamily],
      ['task', r.taskArn],
      ['log stream', result.logStream ? `${result.logGroup} ${result.logStream}` : undefined],
      ['task console', result.links.task],
      ['logs console', result.links.logs],
    ];
    const shown = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
    const width = Math.max(...shown.map(([k]) => k.length));
    this.log(shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
    if (result.refreshed) this.note(`Its task had stopped: the run is now ${r.status}.`);
  }
}
