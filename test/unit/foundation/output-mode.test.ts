import { PassThrough } from 'node:stream';
import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import { startLiveView } from '../../../src/ui/live-view.js';
import { applyInkColour, colourFor, isCi, outputMode } from '../../../src/ui/output-mode.js';
import { viewKind } from '../../../src/ui/attach-session.js';

const TTY = { isTTY: true };
const PIPE = { isTTY: false };
const terminal = { stdout: TTY, stderr: TTY, stdin: TTY };

describe('isCi', () => {
  it.each([['true'], ['1'], ['yes'], ['TRUE']])('CI=%j is CI', (value) => {
    expect(isCi({ CI: value })).toBe(true);
  });

  it.each([[undefined], [''], ['0'], ['false'], ['False']])('CI=%j is not', (value) => {
    expect(isCi({ CI: value })).toBe(false);
  });
});

describe('colourFor', () => {
  it('follows NO_COLOR, then FORCE_COLOR, then TERM=dumb, then the terminal', () => {
    expect(colourFor(TTY, {})).toBe(true);
    expect(colourFor(PIPE, {})).toBe(false);
    expect(colourFor(TTY, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colourFor(TTY, { NO_COLOR: '' })).toBe(true);
    expect(colourFor(PIPE, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourFor(TTY, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colourFor(TTY, { TERM: 'dumb' })).toBe(false);
    expect(colourFor(PIPE, { TERM: 'dumb', FORCE_COLOR: '2' })).toBe(true);
  });

  it('CI alone does not turn colour off: CI logs often show it', () => {
    expect(colourFor(TTY, { CI: 'true' })).toBe(true);
  });
});

describe('outputMode', () => {
  it('in a terminal: colour, the live view, Ink progress, boxed tables and prompts', () => {
    expect(outputMode({ env: {}, streams: terminal })).toEqual({
      colour: { stdout: true, stderr: true },
      ci: false,
      liveView: true,
      liveProgress: true,
      boxedTables: true,
      prompts: true,
    });
  });

  it('CI in a terminal: plain lines, no Ink, no boxes, no prompts (colour is still allowed)', () => {
    expect(outputMode({ env: { CI: 'true' }, streams: terminal })).toEqual({
      colour: { stdout: true, stderr: true },
      ci: true,
      liveView: false,
      liveProgress: false,
      boxedTables: false,
      prompts: false,
    });
  });

  it('NO_COLOR in a terminal: the live view without colour', () => {
    const mode = outputMode({ env: { NO_COLOR: '1' }, streams: terminal });
    expect(mode.colour).toEqual({ stdout: false, stderr: false });
    expect(mode.liveView).toBe(true);
  });

  it('TERM=dumb: no Ink and no boxes (they need cursor moves)', () => {
    const mode = outputMode({ env: { TERM: 'dumb' }, streams: terminal });
    expect(mode).toMatchObject({ liveView: false, liveProgress: false, boxedTables: false });
  });

  it('the live view needs stdin as a terminal for its keys; tables do not', () => {
    const mode = outputMode({ env: {}, streams: { stdout: TTY, stderr: TTY, stdin: PIPE } });
    expect(mode).toMatchObject({ liveView: false, boxedTables: true, prompts: false });
  });

  it('stdout piped: plain, uncoloured stdout; stderr keeps its own decision', () => {
    const mode = outputMode({ env: {}, streams: { stdout: PIPE, stderr: TTY, stdin: TTY } });
    expect(mode).toMatchObject({
      colour: { stdout: false, stderr: true },
      liveView: false,
      liveProgress: true,
      boxedTables: false,
    });
  });

  it('--json: nothing painted or drawn on stdout', () => {
    const mode = outputMode({ env: { FORCE_COLOR: '1' }, streams: terminal, json: true });
    expect(mode).toMatchObject({
      colour: { stdout: false, stderr: true },
      liveView: false,
      liveProgress: false,
      boxedTables: false,
    });
  });
});

describe('the view of an attach session (run, logs --follow) comes from the same decision', () => {
  const text = { json: false, textOnStdout: true };
  it('Ink in a terminal; plain lines in CI, under TERM=dumb, piped, or when the log goes to a file or as CSV', () => {
    expect(viewKind(outputMode({ env: {}, streams: terminal }), text)).toBe('ink');
    expect(viewKind(outputMode({ env: { CI: 'true' }, streams: terminal }), text)).toBe('plain');
    expect(viewKind(outputMode({ env: { TERM: 'dumb' }, streams: terminal }), text)).toBe('plain');
    expect(viewKind(outputMode({ env: {}, streams: { ...terminal, stdout: PIPE } }), text)).toBe('plain');
    expect(viewKind(outputMode({ env: {}, streams: terminal }), { ...text, textOnStdout: false })).toBe(
      'plain',
    );
  });

  it('NDJSON under --json, even in a terminal', () => {
    const mode = outputMode({ env: {}, streams: terminal, json: true });
    expect(viewKind(mode, { json: true, textOnStdout: true })).toBe('ndjson');
  });
});

describe('the live view follows the colour decision (Ink reads chalk)', () => {
  const level = chalk.level;
  afterEach(() => {
    chalk.level = level;
  });

  function fakeTerminal() {
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: () => stdin,
      ref: () => stdin,
      unref: () => stdin,
    });
    let written = '';
    stdout.on('data', (chunk: Buffer) => (written += chunk.toString()));
    return { stdout, stdin, written: () => written };
  }

  async function draw(colour: boolean): Promise<string> {
    const term = fakeTerminal();
    const view = startLiveView({
      record: executionRecord({
        id: 'abcd2345efgh',
        status: 'RUNNING',
        callerArn: 'arn:aws:sts::123456789012:user/alice',
        host: 'laptop',
        command: ['work'],
        image: 'alpine:3.20',
        createdAt: '2026-01-01T00:00:00.000Z',
        lockName: 'l',
        fence: 2,
      }),
      output: { colour: { stdout: colour, stderr: colour } },
      onDetach: () => undefined,
      onKill: () => undefined,
      stdout: term.stdout as unknown as NodeJS.WriteStream,
      stdin: term.stdin as unknown as NodeJS.ReadStream,
    });
    view.lines([{ timestamp: Date.UTC(2026, 0, 1), message: '\u001b[32mgreen\u001b[0m plain' }]);
    view.store.toggleTimestamps();
    view.lines([{ timestamp: Date.UTC(2026, 0, 1), message: 'stamped' }]);
    await view.close();
    return term.written();
  }

  // eslint-disable-next-line no-control-regex -- looking for SGR sequences
  const sgr = (text: string) => (text.match(/\u001b\[[0-9;]*m/g) ?? []).filter((s) => s !== '\u001b[0m');

  it('colour off: no SGR at all, not even the log line own colours or the dim timestamps', async () => {
    chalk.level = 3;
    const out = await draw(false);
    expect(out).toContain('green plain');
    expect(out).toContain('2026-01-01T00:00:00.000Z stamped');
    expect(sgr(out)).toEqual([]);
  });

  it('colour on: the header and the log line keep their colours', async () => {
    chalk.level = 0;
    const out = await draw(true);
    expect(out).toContain('\u001b[32mgreen');
    expect(sgr(out).length).toBeGreaterThan(1);
  });
});

describe('applyInkColour', () => {
  it('sets level 0 for off, and at least 1 for on', () => {
    const c = { level: 0 as 0 | 1 | 2 | 3 };
    applyInkColour(c, true);
    expect(c.level).toBe(1);
    c.level = 3;
    applyInkColour(c, true);
    expect(c.level).toBe(3);
    applyInkColour(c, false);
    expect(c.level).toBe(0);
  });
});
