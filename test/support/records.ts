import type { ExecutionRecord } from '../../src/core/execution.js';

/**
 * An execution record for tests and benches: `fields` hold what the test is about, and the rest is a
 * plain 0.25 vCPU / 0.5 GB x86 on-demand run in us-east-1 with no tags, environment or secrets.
 */
export function executionRecord(
  fields: Pick<ExecutionRecord, 'id' | 'status' | 'callerArn' | 'host' | 'command' | 'image' | 'createdAt'> &
    Partial<ExecutionRecord>,
): ExecutionRecord {
  return {
    origin: 'cli',
    shell: false,
    region: 'us-east-1',
    cpu: 256,
    memory: 512,
    arch: 'x86_64',
    spot: false,
    tags: {},
    envNames: [],
    secretNames: [],
    ...fields,
  };
}
