import { describe, expect, it } from 'vitest';
import { isMissingStream, isThrottle, isTransient, logGroupArnFor } from '../../../src/aws/logs.js';
import { csvField, formatLine, formatPage } from '../../../src/ui/log-lines.js';
import { backoff, DEFAULT_TIMING, pollDelay, retryNotice } from '../../../src/services/tail.js';
import { retryNoticeLine } from '../../../src/ui/log-lines.js';

const line = {
  timestamp: Date.parse('2026-05-01T12:00:00.123Z'),
  ingestionTime: Date.parse('2026-05-01T12:00:01Z'),
  message: 'say "hi", then\tgo',
};

describe('output formats', () => {
  it('text is the message as written, optionally after its timestamp', () => {
    expect(formatLine(line, 'text', false)).toBe('say "hi", then\tgo\n');
    expect(formatLine(line, 'text', true)).toBe('2026-05-01T12:00:00.123Z say "hi", then\tgo\n');
  });

  it("json is one log event per line, its time the line's, with the execution when given", () => {
    expect(JSON.parse(formatLine(line, 'json', false))).toEqual({
      type: 'log',
      time: '2026-05-01T12:00:00.123Z',
      message: 'say "hi", then\tgo',
      ingestionTime: '2026-05-01T12:00:01.000Z',
    });
    expect(JSON.parse(formatLine({ ...line, ingestionTime: undefined }, 'json', false, 'x1'))).toEqual({
      type: 'log',
      time: '2026-05-01T12:00:00.123Z',
      id: 'x1',
      message: 'say "hi", then\tgo',
    });
  });

  it('csv quotes as RFC 4180 says', () => {
    expect(formatLine(line, 'csv', false)).toBe('2026-05-01T12:00:00.123Z,"say ""hi"", then\tgo"\n');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('multi\nline')).toBe('"multi\nline"');
    expect(formatPage([line, { ...line, message: 'b' }], 'text', false)).toBe('say "hi", then\tgo\nb\n');
  });
});

describe('tail timing', () => {
  it('polls fast after lines, then slows down to the cap (longer with a live tail doorbell)', () => {
    const delays = [1, 2, 3, 4, 5, 10].map((idle) => pollDelay(idle, DEFAULT_TIMING, false));
    expect(delays[0]).toBe(DEFAULT_TIMING.minPollMs);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays.at(-1)).toBe(DEFAULT_TIMING.maxPollMs);
    expect(pollDelay(20, DEFAULT_TIMING, true)).toBe(DEFAULT_TIMING.liveTailPollMs);
  });

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    expect(backoff(1, DEFAULT_TIMING, () => 0)).toBe(DEFAULT_TIMING.baseBackoffMs / 2);
    expect(backoff(3, DEFAULT_TIMING, () => 1)).toBe(DEFAULT_TIMING.baseBackoffMs * 4);
    expect(backoff(30, DEFAULT_TIMING, () => 1)).toBe(DEFAULT_TIMING.maxBackoffMs);
  });
});

describe('error classes', () => {
  const aws = (name: string, status: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('tells a missing stream, throttling, server and network errors from the rest', () => {
    expect(isMissingStream(aws('ResourceNotFoundException', 400))).toBe(true);
    expect(isTransient(aws('ResourceNotFoundException', 400))).toBe(false);
    expect(isThrottle(aws('ThrottlingException', 400))).toBe(true);
    expect(isTransient(aws('ThrottlingException', 400))).toBe(true);
    expect(isTransient(aws('ServiceUnavailableException', 503))).toBe(true);
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(aws('AccessDeniedException', 400))).toBe(false);
    expect(isTransient(aws('InvalidParameterException', 400))).toBe(false);
  });

  it('names the log group for StartLiveTail without the trailing :*', () => {
    expect(logGroupArnFor('eu-west-1', '123456789012', '/runvoy/app')).toBe(
      'arn:aws:logs:eu-west-1:123456789012:log-group:/runvoy/app',
    );
    expect(logGroupArnFor('cn-north-1', '123456789012', '/g')).toBe(
      'arn:aws-cn:logs:cn-north-1:123456789012:log-group:/g',
    );
    expect(logGroupArnFor('us-gov-west-1', '1', '/g')).toBe(
      'arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/g',
    );
  });
});

describe('retry notices for plain output', () => {
  const failure = {
    kind: 'retry' as const,
    error: 'socket hang up',
    throttled: false,
    attempt: 1,
    delayMs: 250,
  };

  it('keeps a single failure quiet unless --debug', () => {
    expect(retryNoticeLine(failure, false)).toBeUndefined();
    expect(retryNoticeLine(failure, true)).toBe(
      'Reading the log failed: socket hang up. Retrying in 0.3s (attempt 1); it resumes where it stopped, so no line is lost or repeated.',
    );
  });

  it('tells the reader from the second failure in a row, naming throttling as such', () => {
    expect(retryNoticeLine({ ...failure, attempt: 2, delayMs: 1_800 }, false)).toBe(
      'Reading the log failed: socket hang up. Retrying in 1.8s (attempt 2); it resumes where it stopped, so no line is lost or repeated.',
    );
    expect(retryNoticeLine({ ...failure, throttled: true, attempt: 3, delayMs: 4_000 }, false)).toMatch(
      /^CloudWatch Logs is throttling the reads\. Retrying in 4s \(attempt 3\)/,
    );
  });
});

describe('retryNotice', () => {
  it('names the error and tells throttling apart, for GetLogEvents and FilterLogEvents alike', () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    expect(retryNotice(throttle, 2, 500)).toEqual({
      kind: 'retry',
      error: 'ThrottlingException: Rate exceeded',
      throttled: true,
      attempt: 2,
      delayMs: 500,
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(retryNotice(reset, 1, 250)).toMatchObject({
      throttled: false,
      error: 'Error: ECONNRESET: socket hang up',
    });
  });
});
