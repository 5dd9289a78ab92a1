import { RunvoyError } from '../core/errors.js';
import { loadSdk } from './sdk.js';
import type { AwsClients } from './clients.js';

export interface NetworkChoice {
  vpcId: string;
  subnetIds: string[];
}

/** The account's default VPC and its subnets, for `runvoy init --vpc default`. */
export async function defaultVpcNetwork(clients: AwsClients): Promise<NetworkChoice> {
  const { DescribeVpcsCommand, DescribeSubnetsCommand } = await loadSdk('@aws-sdk/client-ec2');
  const ec2 = await clients.ec2();
  const vpcs = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpcId) {
    throw new RunvoyError({
      what: 'This region has no default VPC.',
      why: 'It was deleted, or the account was created without one.',
      fix: 'Run `runvoy init` without --vpc to create a VPC for runvoy, or pass --subnets (and --security-group) to use existing ones.',
      code: 'NO_DEFAULT_VPC',
    });
  }
  const subnets = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const subnetIds = (subnets.Subnets ?? []).map((s) => s.SubnetId).filter((id): id is string => Boolean(id));
  return { vpcId, subnetIds: subnetIds.sort() };
}

/** The VPC that the given subnets belong to; they must all exist and share one VPC. */
export async function vpcOfSubnets(clients: AwsClients, subnetIds: string[]): Promise<NetworkChoice> {
  const { DescribeSubnetsCommand } = await loadSdk('@aws-sdk/client-ec2');
  const ec2 = await clients.ec2();
  let found: Array<{ SubnetId?: string; VpcId?: string }>;
  try {
    found = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
  } catch (error) {
    if ((error as Error).name !== 'InvalidSubnetID.NotFound') throw error;
    // EC2 names the missing subnets in its message; everything else in the list may exist.
    const missing = subnetIds.filter((id) => (error as Error).message.includes(id));
    throw new RunvoyError({
      what: `Subnets not found in this region: ${(missing.length ? missing : subnetIds).join(', ')}.`,
      why: (error as Error).message,
      fix: 'Pass subnets of one VPC in this region with --subnets (`aws ec2 describe-subnets` lists them).',
      code: 'BAD_SUBNETS',
      exitCode: 2,
    });
  }
  const missing = subnetIds.filter((id) => !found.some((s) => s.SubnetId === id));
  const vpcs = [...new Set(found.map((s) => s.VpcId))];
  if (missing.length > 0 || vpcs.length !== 1 || !vpcs[0]) {
    throw new RunvoyError({
      what:
        missing.length > 0
          ? `Subnets not found: ${missing.join(', ')}.`
          : 'The subnets are in different VPCs.',
      why: `Found ${found.map((s) => `${s.SubnetId} (${s.VpcId})`).join(', ') || 'none'}.`,
      fix: 'Pass subnets of one VPC in this region with --subnets.',
      code: 'BAD_SUBNETS',
      exitCode: 2,
    });
  }
  return { vpcId: vpcs[0], subnetIds };
}
