import type { AwsClients } from './clients.js';

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export async function getCallerIdentity(clients: AwsClients): Promise<CallerIdentity> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = await clients.sts();
  const out = await sts.send(new GetCallerIdentityCommand({}));
  return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
}
