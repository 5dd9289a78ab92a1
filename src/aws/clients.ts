import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { loadSdk } from './sdk.js';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attachCallObserver, type CallObserver } from './call-observer.js';
import { attachRefusalBody } from './refusal-body.js';
import { AwsWatchdog, type AwsWait, type HttpHandlerLike } from './watchdog.js';

export interface AwsSettings {
  region?: string;
  profile?: string;
  /** Receives one line per AWS call under --debug. */
  observer?: CallObserver;
  /** aws.timeout: how long a call waits for an answer before it gives up (default 60 s). */
  timeoutMs?: number;
  /** Told when a request has had no answer for a few seconds (see watchdog.ts). */
  onWaiting?: (wait: AwsWait) => void;
}

/**
 * Timeouts and retries shared by every client: throttling is retried with backoff. Each attempt's time to
 * answer, and each call's, are bounded by the watchdog (watchdog.ts), which sets `requestTimeout` per
 * attempt; the one here only stands for a client used without it.
 */
export const CLIENT_DEFAULTS = {
  maxAttempts: 5,
  retryMode: 'standard',
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
} as const;

interface SdkClient {
  middlewareStack: unknown;
  destroy(): void;
}

/**
 * The one place AWS clients are made. SDK modules are imported on first use so that commands which
 * never talk to AWS (help, version, config) never load them. Endpoints come from AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE>, and credentials from the SDK's default chain, as in every AWS tool.
 */
export class AwsClients {
  private readonly cache = new Map<string, Promise<unknown>>();
  private readonly watchdog: AwsWatchdog;

  constructor(readonly settings: AwsSettings) {
    this.watchdog = new AwsWatchdog({ timeoutMs: settings.timeoutMs, onWaiting: settings.onWaiting });
  }

  /** aws.timeout in milliseconds: how long runvoy waits for AWS before it gives up. */
  get timeoutMs(): number {
    return this.watchdog.timeoutMs;
  }

  /**
   * After AWS stopped answering: one more chance for the endpoints, each call bounded by `timeoutMs`, for
   * the last writes of a command that lets go (an attached run extending its lease).
   */
  lastChance(timeoutMs: number): void {
    this.watchdog.rearm(timeoutMs);
  }

  private config() {
    return {
      ...CLIENT_DEFAULTS,
      ...(this.settings.region ? { region: this.settings.region } : {}),
      ...(this.settings.profile ? { profile: this.settings.profile } : {}),
    };
  }

  private make<T extends SdkClient>(name: string, create: () => Promise<T>): Promise<T> {
    // The promise is cached, so that calls that overlap share one client.
    const cached = this.cache.get(name) as Promise<T> | undefined;
    if (cached) return cached;
    const client = create().then((made) => {
      attachCallObserver(made, name, this.settings.observer);
      attachRefusalBody(made);
      // The SDK reads config.requestHandler on every send, so the watched handler serves every call.
      const config = (made as unknown as { config: { requestHandler: HttpHandlerLike } }).config;
      config.requestHandler = this.watchdog.wrap(name, config.requestHandler);
      return made;
    });
    this.cache.set(name, client);
    return client;
  }

  ecs(): Promise<ECSClient> {
    return this.make('ECS', async () => new (await loadSdk('@aws-sdk/client-ecs')).ECSClient(this.config()));
  }

  dynamo(): Promise<DynamoDBClient> {
    return this.make(
      'DynamoDB',
      async () => new (await loadSdk('@aws-sdk/client-dynamodb')).DynamoDBClient(this.config()),
    );
  }

  documents(): Promise<DynamoDBDocumentClient> {
    const cached = this.cache.get('DynamoDBDocument') as Promise<DynamoDBDocumentClient> | undefined;
    if (cached) return cached;
    const client = Promise.all([this.dynamo(), loadSdk('@aws-sdk/lib-dynamodb')]).then(
      ([dynamo, { DynamoDBDocumentClient }]) =>
        DynamoDBDocumentClient.from(dynamo, {
          marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
        }),
    );
    this.cache.set('DynamoDBDocument', client);
    return client;
  }

  logs(): Promise<CloudWatchLogsClient> {
    return this.make(
      'CloudWatchLogs',
      async () => new (await loadSdk('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient(this.config()),
    );
  }

  sts(): Promise<STSClient> {
    return this.make('STS', async () => new (await loadSdk('@aws-sdk/client-sts')).STSClient(this.config()));
  }

  cloudFormation(): Promise<CloudFormationClient> {
    return this.make(
      'CloudFormation',
      async () => new (await loadSdk('@aws-sdk/client-cloudformation')).CloudFormationClient(this.config()),
    );
  }

  scheduler(): Promise<SchedulerClient> {
    return this.make(
      'Scheduler',
      async () => new (await loadSdk('@aws-sdk/client-scheduler')).SchedulerClient(this.config()),
    );
  }

  ec2(): Promise<EC2Client> {
    return this.make('EC2', async () => new (await loadSdk('@aws-sdk/client-ec2')).EC2Client(this.config()));
  }

  /**
   * The AWS Price List API. Its only endpoints are in us-east-1 and ap-south-1, whatever the region
   * runvoy works in, so this client pins its own region (`pricingRegionFor`); AWS_ENDPOINT_URL_PRICING
   * and AWS_ENDPOINT_URL still apply.
   */
  pricing(): Promise<PricingClient> {
    return this.make('Pricing', async () => {
      const { PricingClient } = await loadSdk('@aws-sdk/client-pricing');
      return new PricingClient({ ...this.config(), region: pricingRegionFor(this.settings.region) });
    });
  }

  /**
   * The region the clients resolved (flag, env, config or profile). Read from the DynamoDB client, which
   * every command that needs the stack makes anyway, so that no other SDK package is loaded for it.
   */
  async region(): Promise<string> {
    const dynamo = await this.dynamo();
    return dynamo.config.region();
  }

  destroy(): void {
    for (const client of this.cache.values()) {
      (client as Promise<{ destroy?: () => void }>).then((c) => c.destroy?.()).catch(() => undefined);
    }
    this.cache.clear();
  }
}

/** The Price List API endpoint nearest a region: ap-south-1 for Asia-Pacific, else us-east-1. */
export function pricingRegionFor(region: string | undefined): 'us-east-1' | 'ap-south-1' {
  return region?.startsWith('ap-') ? 'ap-south-1' : 'us-east-1';
}

/** The endpoint a service's calls go to, as the SDK resolves it from the environment; undefined means AWS. */
const ENDPOINT_VARIABLE_IDS: Record<string, string> = { CloudWatchLogs: 'CLOUDWATCH_LOGS' };

export function endpointFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = ENDPOINT_VARIABLE_IDS[service] ?? service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const specific = env[`AWS_ENDPOINT_URL_${id}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}
