import type { ValidationIssue } from './errors.js';

export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export interface InitFlags {
  vpc?: string;
  subnets?: string;
  securityGroup?: string;
  publicIp?: boolean;
  logRetention?: number;
  retainData?: boolean;
}

export type NetworkRequest =
  | { mode: 'new' }
  | { mode: 'default'; securityGroupId?: string }
  | { mode: 'existing'; subnetIds: string[]; securityGroupId?: string }
  | { mode: 'unchanged' };

const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;

/** Checks init's flags before any AWS call and says which network the user asked for. */
export function planInitNetwork(
  flags: InitFlags,
  stackExists: boolean,
): { network: NetworkRequest; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const subnetIds = (flags.subnets ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of subnetIds) {
    if (!SUBNET.test(id))
      issues.push({
        field: '--subnets',
        value: id,
        allowed: 'subnet IDs such as subnet-0abc1234, comma-separated',
      });
  }
  if (flags.securityGroup !== undefined && !SECURITY_GROUP.test(flags.securityGroup)) {
    issues.push({
      field: '--security-group',
      value: flags.securityGroup,
      allowed: 'a security group ID such as sg-0abc1234',
    });
  }
  if (flags.vpc !== undefined && flags.vpc !== 'new' && flags.vpc !== 'default') {
    issues.push({ field: '--vpc', value: flags.vpc, allowed: 'new, default (or give --subnets)' });
  }
  if (flags.vpc !== undefined && subnetIds.length > 0) {
    issues.push({
      field: '--vpc',
      value: flags.vpc,
      allowed: 'no --vpc together with --subnets (the subnets choose the VPC)',
    });
  }
  if (flags.securityGroup !== undefined && subnetIds.length === 0 && flags.vpc !== 'default') {
    issues.push({
      field: '--security-group',
      value: flags.securityGroup,
      allowed: 'only with --subnets or --vpc default (a new VPC gets its own group)',
    });
  }
  if (
    flags.logRetention !== undefined &&
    !(LOG_RETENTION_DAYS as readonly number[]).includes(flags.logRetention)
  ) {
    issues.push({
      field: '--log-retention',
      value: String(flags.logRetention),
      allowed: LOG_RETENTION_DAYS.join(', '),
    });
  }
  let network: NetworkRequest;
  const newVpc = subnetIds.length === 0 && flags.vpc !== 'default' && (flags.vpc === 'new' || !stackExists);
  if (newVpc && flags.publicIp === false) {
    issues.push({
      field: '--no-public-ip',
      value: 'false',
      allowed:
        'only with --subnets or --vpc default: the VPC runvoy creates has no NAT gateway, so its tasks need a public IP to pull images',
    });
  }
  if (subnetIds.length > 0) network = { mode: 'existing', subnetIds, securityGroupId: flags.securityGroup };
  else if (flags.vpc === 'default') network = { mode: 'default', securityGroupId: flags.securityGroup };
  else if (flags.vpc === 'new' || !stackExists) network = { mode: 'new' };
  else network = { mode: 'unchanged' };
  return { network, issues };
}
