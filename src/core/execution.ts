import { idPartition } from './ids.js';
import { isTerminal, type ExecutionStatus } from './status.js';

export type CostStatus = 'exact' | 'estimated' | 'unavailable';

/** One execution, as stored in DynamoDB (docs/data-model.md). Times are ISO strings. */
export interface ExecutionRecord {
  id: string;
  status: ExecutionStatus;
  origin: 'cli' | 'adopted' | 'schedule';
  /** The runvoy schedule that started the task (origin `schedule`). */
  scheduleName?: string;
  callerArn: string;
  host: string;
  command: string[];
  shell: boolean;
  image: string;
  taskDefinitionFamily?: string;
  taskDefinitionArn?: string;
  taskArn?: string;
  clusterArn?: string;
  region: string;
  cpu: number;
  memory: number;
  arch: 'x86_64' | 'arm64';
  spot: boolean;
  /** FARGATE or FARGATE_SPOT, as the task actually ran (Spot falls back to on-demand). */
  capacityProvider?: string;
  ephemeralStorageGiB?: number;
  lockName?: string;
  fence?: number;
  tags: Record<string, string>;
  envNames: string[];
  secretNames: string[];
  createdAt: string;
  startedAt?: string;
  pullStartedAt?: string;
  stoppedAt?: string;
  exitCode?: number | null;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  timeoutMs?: number;
  timeoutAt?: string;
  timeoutScheduleName?: string;
  detached?: boolean;
  killedBy?: string;
  killedAt?: string;
  cost?: number;
  costStatus?: CostStatus;
  costReason?: string;
}

export const EXECUTION_SK = 'META';
export const RETENTION_DAYS = 400;

export function executionPk(id: string): string {
  return `EXEC#${id}`;
}

export function lockPk(name: string): string {
  return `LOCK#${name}`;
}

/** The item to write: the record plus the keys of every index it belongs to (sparse `active`). */
export function executionItem(record: ExecutionRecord): Record<string, unknown> {
  const sortKey = `${record.createdAt}#${record.id}`;
  const item: Record<string, unknown> = {
    ...record,
    pk: executionPk(record.id),
    sk: EXECUTION_SK,
    kindPk: 'EXEC',
    kindSk: sortKey,
    userPk: `USER#${record.callerArn}`,
    userSk: sortKey,
    idPk: idPartition(record.id),
    idSk: record.id,
    expiresAt: Math.floor(Date.parse(record.createdAt) / 1000) + RETENTION_DAYS * 86_400,
  };
  if (!isTerminal(record.status)) {
    item.activePk = 'ACTIVE';
    item.activeSk = sortKey;
  }
  return item;
}
