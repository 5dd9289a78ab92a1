import { describe, expect, it } from 'vitest';
import {
  buildContainerOverrides,
  executionIdFromStartedBy,
  logStreamName,
  startedByFor,
} from '../../../src/core/run-plan.js';

const base = {
  command: ['terraform', 'apply', '-auto-approve'],
  shell: false,
  env: [] as Array<{ name: string; value: string }>,
  executionId: '7f3kq9m2xw4h',
  cpu: 1024,
  memory: 2048,
};

describe('buildContainerOverrides', () => {
  it('passes the command in exec form, with the size and the execution ID', () => {
    expect(buildContainerOverrides(base)).toEqual({
      cpu: '1024',
      memory: '2048',
      containerOverrides: [
        {
          name: 'runner',
          command: ['terraform', 'apply', '-auto-approve'],
          environment: [{ name: 'RUNVOY_EXECUTION_ID', value: '7f3kq9m2xw4h' }],
        },
      ],
    });
  });

  it('keeps arguments with spaces and shell characters intact in exec form', () => {
    const command = ['echo', 'a b', '$HOME', '; rm -rf /', "it's"];
    expect(buildContainerOverrides({ ...base, command }).containerOverrides[0]?.command).toEqual(command);
  });

  it('runs one script argument through sh -c with --shell', () => {
    const overrides = buildContainerOverrides({ ...base, shell: true, command: ['make test | tee out.log'] });
    expect(overrides.containerOverrides[0]?.command).toEqual(['sh', '-c', 'make test | tee out.log']);
  });

  // Issue 11 item 8: several arguments were joined with spaces, so `--shell -- grep 'foo bar' f` ran
  // `sh -c "grep foo bar f"`. Each argument is now one quoted word of the script.
  it('quotes each of several arguments as one word of the script with --shell, keeping their quoting', () => {
    const grep = buildContainerOverrides({ ...base, shell: true, command: ['grep', 'foo bar', 'f'] });
    expect(grep.containerOverrides[0]?.command).toEqual(['sh', '-c', "grep 'foo bar' f"]);
    const overrides = buildContainerOverrides({
      ...base,
      shell: true,
      command: ['echo', 'a  b', '&&', 'ls'],
    });
    expect(overrides.containerOverrides[0]?.command).toEqual(['sh', '-c', "echo 'a  b' '&&' ls"]);
  });

  it('leaves the command out when there is none, so the image CMD runs', () => {
    for (const shell of [false, true]) {
      expect(
        buildContainerOverrides({ ...base, shell, command: [] }).containerOverrides[0],
      ).not.toHaveProperty('command');
    }
  });

  it('puts the user environment first, then RUNVOY_* variables for the lock', () => {
    const overrides = buildContainerOverrides({
      ...base,
      env: [
        { name: 'TF_VAR_x', value: '1' },
        { name: 'EMPTY', value: '' },
      ],
      lockName: 'deploy',
      fence: 42,
    });
    expect(overrides.containerOverrides[0]?.environment).toEqual([
      { name: 'TF_VAR_x', value: '1' },
      { name: 'EMPTY', value: '' },
      { name: 'RUNVOY_EXECUTION_ID', value: '7f3kq9m2xw4h' },
      { name: 'RUNVOY_LOCK_NAME', value: 'deploy' },
      { name: 'RUNVOY_LOCK_FENCE', value: '42' },
    ]);
  });

  it('does not share arrays with its input', () => {
    const input = { ...base, env: [{ name: 'A', value: '1' }] };
    const overrides = buildContainerOverrides(input);
    overrides.containerOverrides[0]?.command?.push('x');
    overrides.containerOverrides[0]?.environment.push({ name: 'B', value: '2' });
    expect(input.command).toEqual(['terraform', 'apply', '-auto-approve']);
    expect(input.env).toEqual([{ name: 'A', value: '1' }]);
  });
});

describe('logStreamName', () => {
  it.each([
    [
      'arn:aws:ecs:eu-west-1:123456789012:task/runvoy-cluster/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6',
      'runvoy/runner/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6',
    ],
    [
      'arn:aws:ecs:us-east-1:123456789012:task/1dc5c17a-422b-4dc4-b493-371970c6c4d6',
      'runvoy/runner/1dc5c17a-422b-4dc4-b493-371970c6c4d6',
    ],
    ['8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6', 'runvoy/runner/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6'],
  ])('names the stream of %s', (arn, stream) => {
    expect(logStreamName(arn)).toBe(stream);
  });

  it.each(['', 'arn:aws:ecs:eu-west-1:123456789012:task/cluster/', 'task id with spaces'])(
    'refuses %j',
    (arn) => {
      expect(() => logStreamName(arn)).toThrow(/Not an ECS task ARN/);
    },
  );
});

describe('startedByFor', () => {
  it('is runvoy/<execution-id>', () => {
    expect(startedByFor('7f3kq9m2xw4h')).toBe('runvoy/7f3kq9m2xw4h');
  });

  it('accepts up to 36 characters in all', () => {
    expect(startedByFor('a'.repeat(29))).toHaveLength(36);
    expect(() => startedByFor('a'.repeat(30))).toThrow(/startedBy/);
  });

  it.each(['a b', 'a.b', 'a:b', 'é'])('refuses characters ECS does not allow: %j', (id) => {
    expect(() => startedByFor(id)).toThrow(/startedBy/);
  });

  it('round-trips through executionIdFromStartedBy', () => {
    expect(executionIdFromStartedBy(startedByFor('7f3kq9m2xw4h'))).toBe('7f3kq9m2xw4h');
  });
});

describe('executionIdFromStartedBy', () => {
  it.each([undefined, '', 'ecs-svc/123', 'runvoy/', 'runvoy/a/b', 'xrunvoy/abc'])(
    'finds no ID in %j',
    (value) => {
      expect(executionIdFromStartedBy(value)).toBeUndefined();
    },
  );
});
