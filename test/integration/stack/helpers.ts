import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { AwsClients } from '../../../src/aws/clients.js';
import { Cache } from '../../../src/config/cache.js';
import type { ResourceChangeSummary, StackEventSummary } from '../../../src/core/change-set.js';
import type { InitFlags, NetworkRequest } from '../../../src/core/init-options.js';
import { planInitNetwork } from '../../../src/core/init-options.js';
import { describeStack } from '../../../src/aws/stack.js';
import { deployStack, type DeployResult, type ParameterChange } from '../../../src/services/init.js';
import { startAwsProxy, type AwsProxy } from '../../support/aws-proxy.js';
import { motoUrl, resetMoto, sdkConfig, TEST_REGION } from '../../support/moto.js';
import { isolatedAwsEnv, patchEnv, tempDir } from '../../unit/foundation/helpers.js';

/**
 * One emulator session per test: a fresh moto, a recording proxy in front of it that runvoy's clients
 * go through (AWS_ENDPOINT_URL), and a fresh config directory for the cache. Assertions about what
 * AWS holds use `direct` SDK clients that bypass the proxy, so they never count as runvoy's requests.
 */
export interface StackSession {
  proxy: AwsProxy;
  clients: AwsClients;
  cache: Cache;
  configDir: string;
  /** Operation names runvoy sent, e.g. `CreateChangeSet` (query) or `DynamoDB_20120810.DescribeTable`. */
  operations(): string[];
  count(operation: string): number;
  close(): Promise<void>;
}

export async function openSession(): Promise<StackSession> {
  await resetMoto();
  const proxy = await startAwsProxy(motoUrl());
  const configDir = tempDir('runvoy-stack-it-');
  const restoreEnv = patchEnv(
    isolatedAwsEnv({ AWS_ENDPOINT_URL: proxy.url, AWS_REGION: TEST_REGION, RUNVOY_CONFIG_DIR: configDir }),
    { clearAws: true },
  );
  const clients = new AwsClients({ region: TEST_REGION });
  const operations = () => proxy.requests.map((r) => r.operation.replace(/^.*\./, ''));
  return {
    proxy,
    clients,
    cache: new Cache(process.env),
    configDir,
    operations,
    count: (operation) => operations().filter((o) => o === operation).length,
    close: async () => {
      clients.destroy();
      restoreEnv();
      await proxy.close();
    },
  };
}

export interface DeployRecord {
  contexts: Array<{ account: string; region: string; stackName: string; exists: boolean }>;
  changeSets: Array<{ changes: ResourceChangeSummary[]; parameters: ParameterChange[] }>;
  events: StackEventSummary[];
  questions: string[];
}

/**
 * Runs deployStack as `runvoy init` does: the network comes from planInitNetwork with whether the
 * stack exists, and the flags must be valid.
 */
export async function deploy(
  session: StackSession,
  flags: InitFlags = {},
  options: { stackName?: string; yes?: boolean; answer?: boolean; network?: NetworkRequest } = {},
): Promise<{ result: DeployResult; record: DeployRecord }> {
  const stackName = options.stackName ?? 'runvoy';
  const { network, issues } = planInitNetwork(
    flags,
    Boolean(await describeStack(session.clients, stackName)),
  );
  if (issues.length > 0) throw new Error(`invalid flags in the test: ${JSON.stringify(issues)}`);
  const record: DeployRecord = { contexts: [], changeSets: [], events: [], questions: [] };
  const result = await deployStack({
    clients: session.clients,
    cache: session.cache,
    stackName,
    flags,
    network: options.network ?? network,
    yes: options.yes ?? true,
    confirm: async (question) => {
      record.questions.push(question);
      return options.answer ?? false;
    },
    reporter: {
      context: (info) => record.contexts.push(info),
      changeSet: (changes, parameters) => record.changeSets.push({ changes, parameters }),
      event: (event) => record.events.push(event),
    },
  });
  return { result, record };
}

export function directCfn(): CloudFormationClient {
  return new CloudFormationClient(sdkConfig());
}

/** The stack as CloudFormation describes it, straight from the emulator; undefined when it is gone. */
export async function stackInEmulator(name = 'runvoy'): Promise<Stack | undefined> {
  const cfn = directCfn();
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
      return undefined;
    throw error;
  } finally {
    cfn.destroy();
  }
}

export function parametersOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries(
    (stack?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
  );
}

export function outputsOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** A small stack that is not made by this CLI's template: the given outputs and one queue. */
export function foreignTemplate(outputs: Record<string, string>): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    // An SSM::Parameter without a Name makes moto 5.2.1 answer HTTP 500; a queue is fine.
    Resources: { Marker: { Type: 'AWS::SQS::Queue' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
  });
}
