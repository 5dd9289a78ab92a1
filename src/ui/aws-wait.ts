import type { AwsWait } from '../aws/watchdog.js';

/** Whole seconds, as people read a wait: 3s, 18s, 60s. */
function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}

/**
 * The stderr line for a request that has had no answer for a while: which service, operation and
 * endpoint, how long, and when runvoy gives up (aws.timeout).
 */
export function waitingLine(wait: AwsWait): string {
  const where = `${wait.endpoint}${wait.region ? ` (${wait.region})` : ''}`;
  const attempt =
    wait.attempt > 1 ? `, attempt ${wait.attempt}${wait.maxAttempts ? ` of ${wait.maxAttempts}` : ''}` : '';
  const others = wait.others > 0 ? ` (and ${wait.others} other request${wait.others === 1 ? '' : 's'})` : '';
  return `Waiting for ${wait.service} ${wait.operation}${others} at ${where}: no answer for ${seconds(wait.waitedMs)}${attempt}; retrying for up to ${seconds(wait.timeoutMs)} (aws.timeout, RUNVOY_AWS_TIMEOUT)...`;
}
