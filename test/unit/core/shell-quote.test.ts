import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { containerCommand, displayCommand, quoteArgv, shellScript } from '../../../src/core/shell-quote.js';

/** Tricky arguments: every shell metacharacter, quotes of both kinds, newlines, non-ASCII, empty. */
const TRICKY = [
  'foo bar',
  "it's",
  '"double"',
  '$HOME',
  '${X:-y}',
  '`id`',
  '$(id)',
  'a;b',
  'a&&b',
  'a|b',
  'a>b',
  '<x',
  '*.txt',
  '?',
  '[ab]',
  '{a,b}',
  '~',
  '~/x',
  '#comment',
  'a#b',
  '!x',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  '',
  ' ',
  "''",
  "'\\''",
  'é ü 日本',
  '-n',
  '--',
  'k=v',
  '50%',
  'user@host:path',
];

/** Runs `sh -c SCRIPT`, the script printing each of its words NUL-terminated, as `shell` reads them. */
function wordsOf(shell: string, script: string): string[] {
  const run = spawnSync(shell, ['-c', `printf '%s\\0' ${script}`], { encoding: 'utf8', env: {} });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split('\0').slice(0, -1);
}

describe('quoteArgv', () => {
  it.each(['sh', 'bash'])('is read back by %s as the same words, one argument each', (shell) => {
    for (const arg of TRICKY) expect(wordsOf(shell, quoteArgv([arg]))).toEqual([arg]);
    expect(wordsOf(shell, quoteArgv(TRICKY))).toEqual(TRICKY);
  });

  it('leaves plain words unquoted, so that common commands read naturally', () => {
    expect(quoteArgv(['terraform', 'apply', '-auto-approve', '--var=x=1', 'a/b.c', 'user@host:path'])).toBe(
      'terraform apply -auto-approve --var=x=1 a/b.c user@host:path',
    );
  });

  it('quotes a first word the shell would read as an assignment or a reserved word, and only the first', () => {
    expect(quoteArgv(['A=1', 'B=2'])).toBe("'A=1' B=2");
    expect(quoteArgv(['if', 'then'])).toBe("'if' then");
    expect(quoteArgv(['env', 'A=1', 'cmd'])).toBe('env A=1 cmd');
  });

  it('runs a first word that looks like an assignment or a reserved word as the command', () => {
    // Were they left bare, sh would set A and run nothing, or fail on the syntax.
    const run = spawnSync('/bin/sh', ['-c', quoteArgv(['A=1', 'x'])], {
      encoding: 'utf8',
      env: { PATH: '' },
    });
    expect(run.stderr).toMatch(/A=1: (not found|No such file)/);
    const reserved = spawnSync('/bin/sh', ['-c', quoteArgv(['if', 'x'])], {
      encoding: 'utf8',
      env: { PATH: '' },
    });
    expect(reserved.stderr).toMatch(/if: (not found|No such file)/);
  });
});

describe('shellScript: what --shell gives to sh -c', () => {
  it('takes one argument as the script, as written', () => {
    expect(shellScript(['echo $HOSTNAME && uname -a'])).toBe('echo $HOSTNAME && uname -a');
    expect(shellScript(['make test | tee out.log'])).toBe('make test | tee out.log');
  });

  it('quotes and joins several arguments, keeping their quoting', () => {
    expect(shellScript(['grep', 'foo bar', 'f'])).toBe("grep 'foo bar' f");
    // The script gives the shell the words it was given: quoting is not lost.
    expect(
      wordsOf('sh', shellScript(['printf-me', 'foo bar', "it's", '$HOME']).replace(/^printf-me /, '')),
    ).toEqual(['foo bar', "it's", '$HOME']);
  });
});

describe('containerCommand and displayCommand', () => {
  it('are the exec form without --shell', () => {
    expect(containerCommand(['grep', 'foo bar', 'f'], false)).toEqual(['grep', 'foo bar', 'f']);
    expect(displayCommand(['grep', 'foo bar', 'f'], false)).toBe("grep 'foo bar' f");
  });

  it('are sh -c SCRIPT with --shell, shown exactly as it runs', () => {
    expect(containerCommand(['grep', 'foo bar', 'f'], true)).toEqual(['sh', '-c', "grep 'foo bar' f"]);
    expect(displayCommand(['grep', 'foo bar', 'f'], true)).toBe("sh -c 'grep '\\''foo bar'\\'' f'");
    expect(containerCommand(['echo $HOSTNAME && uname -a'], true)).toEqual([
      'sh',
      '-c',
      'echo $HOSTNAME && uname -a',
    ]);
    expect(displayCommand(['echo $HOSTNAME && uname -a'], true)).toBe("sh -c 'echo $HOSTNAME && uname -a'");
  });

  it("keep the image's own command when there is none", () => {
    expect(containerCommand([], true)).toBeUndefined();
    expect(containerCommand([], false)).toBeUndefined();
    expect(displayCommand([], true)).toBe('');
  });

  it('show a command line that a shell runs as the container does', () => {
    const shown = displayCommand(['printf', '%s|', 'foo bar', "it's"], true);
    const run = spawnSync('sh', ['-c', shown], { encoding: 'utf8' });
    expect(run.stdout).toBe("foo bar|it's|");
  });
});
