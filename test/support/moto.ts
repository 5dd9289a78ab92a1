import { inject } from 'vitest';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT = '123456789012';

export function motoUrl(): string {
  return inject('motoUrl');
}

async function post(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${motoUrl()}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`moto ${path} answered ${res.status}: ${await res.text()}`);
}

/** Wipes all emulator data and undoes state-manager transitions. */
export async function resetMoto(): Promise<void> {
  await post('/moto-api/reset');
  await post('/moto-api/state-manager/unset-transition', { model_name: 'ecs::task' });
}

export type TaskProgression =
  | { progression: 'immediate' }
  | { progression: 'manual'; times: number }
  | { progression: 'time'; seconds: number };

/** How ECS tasks advance RUNNING -> ... -> STOPPED in the emulator. */
export async function setTaskTransition(transition: TaskProgression): Promise<void> {
  await post('/moto-api/state-manager/set-transition', { model_name: 'ecs::task', transition });
}

export const stopTasksAtOnce = () => setTaskTransition({ progression: 'immediate' });
export const keepTasksRunning = () => setTaskTransition({ progression: 'manual', times: 1_000_000 });

/** Client settings that point the SDK at the emulator. */
export function sdkConfig() {
  return {
    region: TEST_REGION,
    endpoint: motoUrl(),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** Environment variables that point runvoy (and the AWS CLI) at the emulator. */
export function awsEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoUrl(),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
