import { estimateHourly, estimateUpTo } from '../core/cost.js';
import { defaultPricing } from './cost-of.js';
import type { RunRequest } from '../core/run-request.js';
import { containerCommand } from '../core/shell-quote.js';
import { taskDefinitionFamily } from '../core/taskdef.js';
import { taskDefSpecFor } from './run.js';
import type { StackContext } from './stack-context.js';

export interface RunPlan {
  dryRun: true;
  stack: string;
  region: string;
  cluster: string;
  taskDefinitionFamily: string;
  image: string;
  command: string[];
  shell: boolean;
  /** What the container runs (after `sh -c` for --shell); absent: the image's own command. */
  containerCommand?: string[];
  cpu: number;
  memory: number;
  arch: string;
  spot: boolean;
  lock?: string;
  lockWaitMs: number;
  timeoutMs?: number;
  network: { subnets: string[]; securityGroup: string; assignPublicIp: string };
  env: string[];
  secrets: string[];
  tags: Record<string, string>;
  estimate: {
    perHour: { amount?: number; status: string; reason?: string };
    upToTimeout: { amount?: number; status: string; reason?: string };
  };
}

/** What `run` would do, without writing anything: `run --dry-run`. */
export function planRun(request: RunRequest, stack: StackContext): RunPlan {
  const size = {
    cpu: request.cpu,
    memory: request.memory,
    arch: request.arch,
    region: stack.region,
    spot: request.spot,
    ephemeralStorageGiB: request.ephemeralStorageGiB,
    // The refreshed price table and the configured Spot discount, as for recorded costs.
    ...defaultPricing(),
  };
  const perHour = estimateHourly(size);
  const upTo = estimateUpTo(request.timeoutMs, size);
  return {
    dryRun: true,
    stack: stack.stackName,
    region: stack.region,
    cluster: stack.outputs.clusterName,
    taskDefinitionFamily: taskDefinitionFamily(taskDefSpecFor(request, stack), stack.stackName),
    image: request.image,
    command: request.command,
    shell: request.shell,
    containerCommand: containerCommand(request.command, request.shell),
    cpu: request.cpu,
    memory: request.memory,
    arch: request.arch,
    spot: request.spot,
    lock: request.lockName,
    lockWaitMs: request.lockWaitMs,
    timeoutMs: request.timeoutMs,
    network: {
      subnets: stack.outputs.subnetIds,
      securityGroup: stack.outputs.securityGroupId,
      assignPublicIp: stack.outputs.assignPublicIp,
    },
    env: request.env.map((e) => e.name),
    secrets: request.secrets.map((s) => s.name),
    tags: request.tags,
    estimate: {
      perHour: { amount: perHour.amount, status: perHour.status, reason: perHour.reason },
      upToTimeout: { amount: upTo.amount, status: upTo.status, reason: upTo.reason },
    },
  };
}
