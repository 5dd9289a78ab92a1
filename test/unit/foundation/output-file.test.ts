import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunvoyError, UsageError } from '../../../src/core/errors.js';
import { checkOutputPath, openOutputFile, outputPathProblem } from '../../../src/ui/output-file.js';

const dir = () => mkdtempSync(join(tmpdir(), 'runvoy-output-'));

describe('outputPathProblem: checked before anything is sent to AWS', () => {
  it('a new file in a directory that exists is fine, as is an existing file', async () => {
    const d = dir();
    expect(await outputPathProblem(join(d, 'new.txt'))).toBeUndefined();
    writeFileSync(join(d, 'old.txt'), 'x');
    expect(await outputPathProblem(join(d, 'old.txt'))).toBeUndefined();
  });

  it('names what is wrong: no such directory, a directory, a file as the directory, an empty path', async () => {
    const d = dir();
    writeFileSync(join(d, 'file'), 'x');
    expect(await outputPathProblem('/nonexistent/x')).toBe('the directory /nonexistent does not exist');
    expect(await outputPathProblem(d)).toBe(`${d} is a directory`);
    expect(await outputPathProblem(join(d, 'file', 'x'))).toBe(`${join(d, 'file')} is not a directory`);
    expect(await outputPathProblem('')).toBe('the path is empty');
  });

  it('checkOutputPath throws a usage error (exit 2) that names the flag, the path and the problem', async () => {
    const error = await checkOutputPath('/nonexistent/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).what).toBe(
      '--output /nonexistent/x cannot be written: the directory /nonexistent does not exist.',
    );
    expect((error as UsageError).fix).toContain('Nothing was sent to AWS.');
  });
});

describe('openOutputFile', () => {
  it('writes a new file with mode 0600, and makes an existing one 0600', async () => {
    const d = dir();
    const file = await openOutputFile(join(d, 'a.txt'));
    file.stream.write('hello\n');
    await file.close();
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('hello\n');
    expect(statSync(join(d, 'a.txt')).mode & 0o777).toBe(0o600);

    writeFileSync(join(d, 'b.txt'), 'old', { mode: 0o644 });
    const again = await openOutputFile(join(d, 'b.txt'));
    await again.close();
    expect(statSync(join(d, 'b.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, 'b.txt'), 'utf8')).toBe('');
  });

  it('a write error does not crash the process: it is reported once and thrown by close()', async () => {
    if (!existsSync('/dev/full')) return;
    const deviceMode = statSync('/dev/full').mode;
    const seen: RunvoyError[] = [];
    const file = await openOutputFile('/dev/full', (error) => seen.push(error));
    file.stream.write('x'.repeat(70_000));
    const error = await file.close().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).what).toBe('Could not write /dev/full.');
    expect((error as RunvoyError).why).toContain('ENOSPC');
    expect(seen).toHaveLength(1);
    // A device keeps its own mode.
    expect(statSync('/dev/full').mode).toBe(deviceMode);
  });
});
