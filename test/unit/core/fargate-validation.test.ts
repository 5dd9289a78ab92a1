import { describe, expect, it } from 'vitest';
import { parseIntStrict, validateSize } from '../../../src/core/fargate-validation.js';

describe('parseIntStrict', () => {
  it.each([
    ['300', 300],
    ['0', 0],
    ['0300', 300],
    ['-5', -5],
    [' 512 ', 512],
    ['9007199254740991', 9007199254740991],
  ])('parses %j as %d', (text, expected) => {
    expect(parseIntStrict(text)).toBe(expected);
  });

  it.each([
    '',
    ' ',
    '3e2',
    '1.5',
    '1.0',
    '0x10',
    '+5',
    '5 5',
    '1_000',
    '1,000',
    'abc',
    '12abc',
    '-',
    'Infinity',
    'NaN',
  ])('rejects %j', (text) => {
    expect(parseIntStrict(text)).toBeUndefined();
  });

  it('rejects integers beyond the safe range', () => {
    expect(parseIntStrict('9007199254740993')).toBeUndefined();
  });
});

describe('validateSize', () => {
  it.each([
    [256, 512],
    [256, 2048],
    [512, 1024],
    [1024, 8192],
    [2048, 4096],
    [4096, 30720],
    [8192, 20480],
    [16384, 122880],
  ])('accepts cpu=%d memory=%d', (cpu, memory) => {
    expect(validateSize(cpu, memory)).toBeUndefined();
  });

  it('accepts nothing given: the caller applies its defaults', () => {
    expect(validateSize(undefined, undefined)).toBeUndefined();
  });

  it.each([256, 1024, 16384])('accepts cpu=%d alone', (cpu) => {
    expect(validateSize(cpu, undefined)).toBeUndefined();
  });

  it.each([300, 0, -256, 128, 32768, 1000, 256.5, Number.NaN])(
    'rejects cpu=%d and lists the allowed values',
    (cpu) => {
      const issue = validateSize(cpu, undefined);
      expect(issue).toEqual({
        field: '--cpu',
        value: String(cpu),
        allowed: 'one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units; 1024 is one vCPU)',
      });
    },
  );

  it('adds the nearest valid sizes to a bad cpu when memory is given', () => {
    const issue = validateSize(1000, 2048);
    expect(issue?.field).toBe('--cpu');
    expect(issue?.hint).toMatch(/^Nearest valid sizes: cpu=1024 memory=2048, /);
  });

  it('names the memory values allowed for the cpu and the nearest valid sizes', () => {
    expect(validateSize(1024, 1024)).toEqual({
      field: '--memory',
      value: '1024',
      allowed: '2048 to 8192 in steps of 1024 (MiB) with --cpu 1024',
      hint: 'Nearest valid sizes: cpu=1024 memory=2048, cpu=1024 memory=3072, cpu=1024 memory=4096.',
    });
  });

  it.each([
    [256, 4096],
    [256, 1536],
    [512, 512],
    [512, 5120],
    [4096, 31744],
    [8192, 18432],
    [16384, 36864],
  ])('rejects cpu=%d memory=%d', (cpu, memory) => {
    const issue = validateSize(cpu, memory);
    expect(issue?.field).toBe('--memory');
    expect(issue?.value).toBe(String(memory));
    expect(issue?.allowed).toContain(`with --cpu ${cpu}`);
    expect(issue?.hint).toMatch(/^Nearest valid sizes: (cpu=\d+ memory=\d+, ){2}cpu=\d+ memory=\d+\.$/);
  });

  it('leaves the hint out when the memory value is not a positive number', () => {
    const issue = validateSize(256, -1);
    expect(issue?.field).toBe('--memory');
    expect(issue).not.toHaveProperty('hint');
  });

  it('accepts a lone memory value that some cpu allows', () => {
    expect(validateSize(undefined, 512)).toBeUndefined();
    expect(validateSize(undefined, 61440)).toBeUndefined();
  });

  it('rejects a lone memory value that no cpu allows, describing every range', () => {
    const issue = validateSize(undefined, 3333);
    expect(issue?.field).toBe('--memory');
    expect(issue?.value).toBe('3333');
    expect(issue?.allowed).toContain('512, 1024 to 2048 in steps of 1024 with --cpu 256');
    expect(issue?.allowed).toContain('32768 to 122880 in steps of 8192 with --cpu 16384');
  });

  it('uses the field names it is given (config keys)', () => {
    const fields = { cpu: 'defaults.cpu', memory: 'defaults.memory' };
    expect(validateSize(999, undefined, fields)?.field).toBe('defaults.cpu');
    expect(validateSize(256, 999, fields)?.field).toBe('defaults.memory');
    expect(validateSize(256, 999, fields)?.allowed).toContain('with defaults.cpu 256');
  });
});
