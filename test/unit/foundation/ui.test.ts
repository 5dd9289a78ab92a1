import { describe, expect, it } from 'vitest';
import { toRunvoyError } from '../../../src/aws/errors.js';
import { RunvoyError, validationError } from '../../../src/core/errors.js';
import { formatError } from '../../../src/ui/error-view.js';
import { errorDocument, streamEvent, successDocument } from '../../../src/ui/json-envelope.js';
import { colorEnabled, stylist, type Style } from '../../../src/ui/style.js';

const TTY = { isTTY: true };
const PIPE = { isTTY: false };
const ESC = '\u001B[';

describe('colorEnabled', () => {
  it('is on for a TTY and off for a pipe or a stream that does not say', () => {
    expect(colorEnabled(TTY, {})).toBe(true);
    expect(colorEnabled(PIPE, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it.each([['1'], ['true'], ['0'], ['anything']])('NO_COLOR=%j turns it off, even on a TTY', (value) => {
    expect(colorEnabled(TTY, { NO_COLOR: value })).toBe(false);
  });

  it('an empty NO_COLOR is ignored (no-color.org)', () => {
    expect(colorEnabled(TTY, { NO_COLOR: '' })).toBe(true);
  });

  it.each([['1'], ['2'], ['3'], ['true'], ['']])('FORCE_COLOR=%j turns it on for a pipe', (value) => {
    expect(colorEnabled(PIPE, { FORCE_COLOR: value })).toBe(true);
  });

  // FORCE_COLOR=0 turns colour off even on a TTY, as supports-color (chalk) reads it.
  it('FORCE_COLOR=0 turns colour off', () => {
    expect(colorEnabled(PIPE, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(TTY, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('NO_COLOR wins over FORCE_COLOR', () => {
    expect(colorEnabled(TTY, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('TERM=dumb turns it off on a TTY, unless forced', () => {
    expect(colorEnabled(TTY, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(TTY, { TERM: 'xterm-256color' })).toBe(true);
    expect(colorEnabled(PIPE, { TERM: 'dumb', FORCE_COLOR: '1' })).toBe(true);
  });

  // BUG (src/ui/style.ts colorEnabled): FORCE_COLOR=false forces colour on. supports-color (chalk) and
  // most Node tools read FORCE_COLOR=false as "no colour"; only '0' is treated as off here.
  it('FORCE_COLOR=false does not force colour', () => {
    expect(colorEnabled(PIPE, { FORCE_COLOR: 'false' })).toBe(false);
  });
});

describe('stylist', () => {
  it('returns the text unchanged when colour is off', () => {
    const paint = stylist(false);
    for (const style of ['bold', 'dim', 'red', 'green', 'yellow', 'cyan'] as Style[]) {
      expect(paint(style, 'text')).toBe('text');
    }
  });

  it.each<[Style, number, number]>([
    ['bold', 1, 22],
    ['dim', 2, 22],
    ['red', 31, 39],
    ['green', 32, 39],
    ['yellow', 33, 39],
    ['cyan', 36, 39],
  ])('wraps text in the ANSI codes of %s when colour is on', (style, open, close) => {
    expect(stylist(true)(style, 'text')).toBe(`${ESC}${open}mtext${ESC}${close}m`);
  });

  it('nests styles', () => {
    const paint = stylist(true);
    expect(paint('red', paint('bold', 'x'))).toBe(`${ESC}31m${ESC}1mx${ESC}22m${ESC}39m`);
  });
});

describe('formatError', () => {
  const plain = stylist(false);

  it('shows what, why and fix on their own lines', () => {
    const error = new RunvoyError({
      what: 'The stack was not found.',
      why: 'No stack named runvoy.',
      fix: 'Run init.',
    });
    expect(formatError(error, plain).split('\n')).toEqual([
      'Error: The stack was not found.',
      '  Why: No stack named runvoy.',
      '  Fix: Run init.',
    ]);
  });

  it('leaves out why and fix when there are none', () => {
    expect(formatError(new RunvoyError({ what: 'Only this.' }), plain)).toBe('Error: Only this.');
    expect(formatError(new RunvoyError({ what: 'W.', fix: 'F.' }), plain).split('\n')).toEqual([
      'Error: W.',
      '  Fix: F.',
    ]);
  });

  it('indents the later lines of a multi-line why under the first', () => {
    const error = validationError([
      { field: '--cpu', value: '300', allowed: '256, 512' },
      { field: 'RUNVOY_ARCH', value: 'sparc', allowed: 'x86_64, arm64' },
    ]);
    const lines = formatError(error, plain).split('\n');
    expect(lines[0]).toBe('Error: 2 values are not valid.');
    expect(lines[1]).toBe('  Why: --cpu: "300" is not valid. Allowed: 256, 512.');
    expect(lines[2]).toBe('       RUNVOY_ARCH: "sparc" is not valid. Allowed: x86_64, arm64.');
    expect(lines[2]?.indexOf('RUNVOY_ARCH')).toBe(lines[1]?.indexOf('--cpu'));
    expect(lines[3]).toMatch(/^ {2}Fix: /);
  });

  it('paints "Error:" bold red, and nothing else, when colour is on', () => {
    const text = formatError(new RunvoyError({ what: 'W.', why: 'Y.', fix: 'F.' }), stylist(true));
    expect(text.split('\n')[0]).toBe(`${ESC}31m${ESC}1mError:${ESC}22m${ESC}39m W.`);
    expect(text.split('\n').slice(1)).toEqual(['  Why: Y.', '  Fix: F.']);
  });
});

describe('errorDocument', () => {
  it('is ok:false with the error fields, its exit code among them, and the warnings', () => {
    const error = new RunvoyError({ what: 'W.', why: 'Y.', fix: 'F.', code: 'STACK_NOT_FOUND', exitCode: 4 });
    expect(errorDocument(error, [{ message: 'skipped one' }])).toEqual({
      ok: false,
      error: { code: 'STACK_NOT_FOUND', message: 'W.', why: 'Y.', fix: 'F.', exitCode: 4 },
      warnings: [{ message: 'skipped one' }],
    });
  });

  it('keeps its own fields over data fields of the same name', () => {
    const error = new RunvoyError({
      what: 'W.',
      code: 'X',
      exitCode: 3,
      data: { code: 'other', exitCode: 9 },
    });
    expect(errorDocument(error).error).toEqual({ code: 'X', message: 'W.', exitCode: 3 });
  });

  it('carries the issues of a validation error, and survives JSON', () => {
    const issues = [{ field: '--cpu', value: '300', allowed: '256, 512' }];
    const doc = JSON.parse(JSON.stringify(errorDocument(validationError(issues))));
    expect(doc).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: '--cpu: "300" is not valid. Allowed: 256, 512.',
        fix: 'Correct the value and run the command again. Nothing was sent to AWS.',
        exitCode: 2,
        issues,
      },
      warnings: [],
    });
  });

  it('carries the AWS fields of an AWS error', () => {
    const raw = Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400, requestId: 'abc-123', attempts: 1 },
      $fault: 'client',
    });
    const doc = errorDocument(toRunvoyError(raw));
    expect(doc.error.exitCode).toBe(1);
    expect(doc.error).toMatchObject({
      code: 'ACCESS_DENIED',
      requestId: 'abc-123',
      awsError: 'AccessDeniedException',
    });
  });
});

describe('successDocument and streamEvent', () => {
  it('wraps a result with its exit code and a copy of the warnings', () => {
    const warnings = [{ message: 'a' }];
    const doc = successDocument({ id: 'x' }, 0, warnings);
    warnings.push({ message: 'b' });
    expect(doc).toEqual({ ok: true, exitCode: 0, result: { id: 'x' }, warnings: [{ message: 'a' }] });
  });

  it('puts the type and the time first, then the fields', () => {
    const event = streamEvent('log', { message: 'hi' }, new Date('2026-01-02T03:04:05.000Z'));
    expect(JSON.stringify(event)).toBe('{"type":"log","time":"2026-01-02T03:04:05.000Z","message":"hi"}');
  });
});
