import { createServer, request as httpRequest, type Server } from 'node:http';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { sdkConfig } from './moto.js';

/** One AWS request as the proxy saw it. */
export interface SeenRequest {
  /** The operation: `RunTask`, `TransactWriteItems`, ... (the part after the dot of X-Amz-Target). */
  operation: string;
  body: string;
}

export interface KillRule {
  /** Which request triggers the kill, e.g. the first `RunTask`, or an `UpdateItem` whose key is a lock. */
  match: (request: SeenRequest) => boolean;
  /**
   * `after`: forward the request, let AWS apply it, then kill the CLI before it reads the answer.
   * `before`: never forward it (the CLI died just before sending it).
   */
  when: 'before' | 'after';
}

export interface KillProxy {
  url: string;
  requests: SeenRequest[];
  /** Resolves with the request that triggered the kill. */
  triggered: Promise<SeenRequest>;
  /** Sets what to kill when the rule matches (the CLI process, once spawned). */
  setVictim(kill: () => void): void;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the emulator (like test/support/aws-proxy.ts) that SIGKILLs the CLI at an
 * exact step of its work: when a given AWS request arrives. With `after`, the request reaches AWS and
 * the answer never reaches the CLI; with `before`, the request is dropped. The connection is then left
 * hanging, so nothing the CLI does after the trigger can reach AWS.
 */
export async function startKillProxy(target: string, rule: KillRule): Promise<KillProxy> {
  const upstream = new URL(target);
  const requests: SeenRequest[] = [];
  let victim: (() => void) | undefined;
  let fired = false;
  let resolveTriggered: (request: SeenRequest) => void = () => undefined;
  const triggered = new Promise<SeenRequest>((resolve) => (resolveTriggered = resolve));
  const fire = (request: SeenRequest) => {
    fired = true;
    victim?.();
    resolveTriggered(request);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const target = req.headers['x-amz-target'];
      const operation =
        typeof target === 'string'
          ? (target.split('.').pop() ?? target)
          : (new URLSearchParams(body.toString()).get('Action') ?? path);
      const seen = { operation, body: body.toString() };
      if (fired) return; // the CLI is dead or dying: nothing more reaches AWS
      requests.push(seen);
      const hit = rule.match(seen);
      if (hit && rule.when === 'before') return fire(seen);
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
        (answer) => {
          if (hit) {
            answer.resume();
            answer.on('end', () => fire(seen));
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    triggered,
    setVictim: (kill) => (victim = kill),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A DynamoDB request whose key or item is a lock (`pk = LOCK#...`). */
export function touchesLock(request: SeenRequest): boolean {
  return request.body.includes('"LOCK#');
}

export interface ExecutionRow {
  id: string;
  status: string;
  origin: string;
  taskArn?: string;
  lockName?: string;
  fence?: number;
  callerArn: string;
  image: string;
  command: string[];
  killedBy?: string;
  killedAt?: string;
  createdAt: string;
  timeoutAt?: string;
}

export interface LockRow {
  name: string;
  state: string;
  fence: number;
  holderExecutionId?: string;
}

export interface EmulatorState {
  outputs: Record<string, string>;
  executions: ExecutionRow[];
  locks: LockRow[];
  tasks: Task[];
}

const TERMINAL = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'LOST'];

/** Everything runvoy keeps and runs, read straight from the emulator (indexed Queries, no Scan). */
export async function emulatorState(stackName = 'runvoy'): Promise<EmulatorState> {
  const cfn = new CloudFormationClient(sdkConfig());
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  const ecs = new ECSClient(sdkConfig());
  try {
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries(
      (stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
    const query = async (kind: string) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: outputs.TableName,
            IndexName: 'byKind',
            KeyConditionExpression: 'kindPk = :k',
            ExpressionAttributeValues: { ':k': kind },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    };
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const out = await ecs.send(new ListTasksCommand({ cluster: outputs.ClusterName, desiredStatus }));
      arns.push(...(out.taskArns ?? []));
    }
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const out = await ecs.send(
        new DescribeTasksCommand({
          cluster: outputs.ClusterName,
          tasks: arns.slice(i, i + 100),
          include: ['TAGS'],
        }),
      );
      tasks.push(...(out.tasks ?? []));
    }
    return {
      outputs,
      executions: (await query('EXEC')) as unknown as ExecutionRow[],
      locks: (await query('LOCK')) as unknown as LockRow[],
      tasks,
    };
  } finally {
    cfn.destroy();
    doc.destroy();
    ecs.destroy();
  }
}

/**
 * What "agreement" means after a crash (SPEC section 9): no lock held by a finished (or missing)
 * execution, no task without a record, no record left non-terminal whose task is stopped or unknown.
 * Returns the disagreements found, empty when the state is consistent.
 */
export function disagreements(state: EmulatorState): string[] {
  const problems: string[] = [];
  const byId = new Map(state.executions.map((e) => [e.id, e]));
  const taskByArn = new Map(state.tasks.map((t) => [t.taskArn ?? '', t]));
  for (const lock of state.locks) {
    if (lock.state !== 'HELD') continue;
    const holder = lock.holderExecutionId ? byId.get(lock.holderExecutionId) : undefined;
    if (!holder)
      problems.push(`lock ${lock.name} is held by ${lock.holderExecutionId ?? '?'}, which has no record`);
    else if (TERMINAL.includes(holder.status)) {
      problems.push(`lock ${lock.name} is held by ${holder.id}, which is ${holder.status}`);
    }
  }
  const recordedArns = new Set(state.executions.flatMap((e) => (e.taskArn ? [e.taskArn] : [])));
  for (const task of state.tasks) {
    if (!recordedArns.has(task.taskArn ?? '')) problems.push(`task ${task.taskArn} has no record`);
  }
  for (const e of state.executions) {
    if (TERMINAL.includes(e.status)) continue;
    const task = e.taskArn ? taskByArn.get(e.taskArn) : undefined;
    if (!task) problems.push(`execution ${e.id} is ${e.status} but has no task in ECS`);
    else if (task.lastStatus === 'STOPPED')
      problems.push(`execution ${e.id} is ${e.status} but its task stopped`);
  }
  return problems;
}
