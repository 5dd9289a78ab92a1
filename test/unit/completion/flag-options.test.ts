import { describe, expect, it } from 'vitest';
import Audit from '../../../src/commands/audit.js';
import Cost from '../../../src/commands/cost/index.js';
import Init from '../../../src/commands/init.js';
import List from '../../../src/commands/list.js';
import Logs from '../../../src/commands/logs.js';
import Run from '../../../src/commands/run.js';

/** Every flag with a fixed set of values declares it as `options`, so that all three shells complete it. */
describe('flags with a fixed set of values', () => {
  it.each([
    ['run --arch', Run.flags.arch.options, ['x86_64', 'arm64']],
    ['run --cpu', Run.flags.cpu.options, ['256', '512', '1024', '2048', '4096', '8192', '16384']],
    ['cost --by', Cost.flags.by.options, ['user', 'image', 'lock', 'day', 'month']],
    ['cost --format', Cost.flags.format.options, ['table', 'json', 'csv']],
    ['audit --format', Audit.flags.format.options, ['table', 'json', 'csv']],
    ['logs --format', Logs.flags.format.options, ['text', 'json', 'csv']],
    ['init --vpc', Init.flags.vpc.options, ['new', 'default']],
    [
      'list --status',
      List.flags.status.options,
      ['PENDING', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'LOST'],
    ],
  ])('%s declares its values', (_flag, options, values) => {
    expect([...(options ?? [])]).toEqual(values);
  });
});
