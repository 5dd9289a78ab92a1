/**
 * One decision for colour and the terminal UI (src/ui/output-mode.ts), seen in a real terminal (tmux):
 * NO_COLOR reaches the live view and the errors, and CI means plain lines even in a terminal.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newConfigDir, runCli } from '../support/cli.js';
import { stopTask } from '../support/emulator-state.js';
import { closeTerminals, colourCodes, startInTerminal } from '../support/terminal.js';
import { keepTasksRunning, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const TASK = /task (arn:aws:ecs:\S+)/;

let configDir: string;

describe('colour and the terminal UI follow one decision', () => {
  beforeAll(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
  });

  afterEach(() => closeTerminals());

  it('NO_COLOR: the live view in a terminal draws no colour, even with FORCE_COLOR', async () => {
    await keepTasksRunning();
    const name = startInTerminal(['run', '--image', IMAGE, '--', 'sh', '-c', 'work'], {
      configDir,
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    const taskArn = (await name.match(TASK))[1] ?? '';
    await name.waitFor(/RUNNING[\s\S]*cost so far[\s\S]*d\/ctrl-c detach/);
    expect(colourCodes(name.screen(true))).toEqual([]);
    name.keys('d');
    await name.waitFor(/EXIT=130/);
    expect(colourCodes(name.screen(true))).toEqual([]);
    await stopTask(taskArn);
  });

  it('without NO_COLOR the same view is coloured (the check above can fail)', async () => {
    await keepTasksRunning();
    const name = startInTerminal(['run', '--image', IMAGE, '--', 'sh', '-c', 'work'], { configDir });
    const taskArn = (await name.match(TASK))[1] ?? '';
    await name.waitFor(/RUNNING[\s\S]*cost so far[\s\S]*d\/ctrl-c detach/);
    expect(colourCodes(name.screen(true)).length).toBeGreaterThan(0);
    name.keys('d');
    await name.waitFor(/EXIT=130/);
    await stopTask(taskArn);
  });

  it('NO_COLOR: an error in a terminal is not coloured; without it, "Error:" is', async () => {
    const plain = startInTerminal(['logs'], { configDir, env: { NO_COLOR: '1' } });
    await plain.waitFor(/EXIT=2/);
    expect(plain.screen()).toContain('Error:');
    expect(colourCodes(plain.screen(true))).toEqual([]);

    const coloured = startInTerminal(['logs'], { configDir });
    await coloured.waitFor(/EXIT=2/);
    expect(colourCodes(coloured.screen(true)).length).toBeGreaterThan(0);
  });

  it('a typo in a terminal exits 2 with a suggestion: it asks nothing and runs nothing', async () => {
    const name = startInTerminal(['lsit'], { configDir });
    await name.waitFor(/EXIT=\d+/);
    const text = name.screen();
    expect(text).toContain('EXIT=2');
    expect(text).toContain('Did you mean `runvoy list`?');
    expect(text).not.toMatch(/\(Y\/n\)|\? \(y/i);
    expect(text).not.toMatch(/^ID +STATUS/m);
  });

  it('CI: run prints plain lines in a terminal, with no Ink view', async () => {
    await stopTasksAtOnce();
    const name = startInTerminal(['run', '--image', IMAGE, '--', 'echo', 'hi'], {
      configDir,
      env: { CI: 'true' },
    });
    await name.waitFor(/EXIT=0/);
    const text = name.screen();
    expect(text).toMatch(/Execution [0-9a-z]{12} started/);
    expect(text).toMatch(/SUCCEEDED exit 0/);
    expect(text).not.toContain('cost so far');
    expect(text).not.toContain('╭');
  });

  it('CI: no question is asked in a terminal either: destroy wants --yes (exit 2, nothing deleted)', async () => {
    const name = startInTerminal(['destroy'], { configDir, env: { CI: 'true' } });
    await name.waitFor(/EXIT=\d+/);
    expect(name.screen()).toContain('EXIT=2');
    expect(name.screen()).toContain('Pass --yes');
    expect(name.screen()).not.toContain('Type "runvoy" to confirm');
  });

  it('CI: tables are plain columns in a terminal; without CI they are boxed', async () => {
    const ci = startInTerminal(['list'], { configDir, env: { CI: '1' } });
    await ci.waitFor(/EXIT=0/);
    expect(ci.screen()).toMatch(/^ID +STATUS +ORIGIN +CREATED/m);
    expect(ci.screen()).not.toMatch(/[┌│]/);

    const tty = startInTerminal(['list'], { configDir });
    await tty.waitFor(/EXIT=0/);
    expect(tty.screen()).toMatch(/[┌│]/);
  });
});
