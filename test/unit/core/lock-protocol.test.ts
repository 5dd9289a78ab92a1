import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  CONFLICT_BACKOFF,
  conflictRetryDelay,
  decideAcquire,
  formatLockConflict,
  QUICK_CONFLICT_RETRIES,
  quoteArgv,
  type LockItem,
} from '../../../src/core/lock-protocol.js';

const NOW = Date.parse('2024-06-15T12:00:00.000Z');

const held = (overrides: Partial<LockItem> = {}): LockItem => ({
  name: 'deploy',
  state: 'HELD',
  holderExecutionId: '7f3kq9m2xw4h',
  holderArn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
  holderHost: 'alice-laptop',
  command: ['terraform', 'apply', '-auto-approve'],
  acquiredAt: '2024-06-15T11:48:30.000Z',
  leaseExpiresAt: NOW + 60_000,
  fence: 41,
  version: 'v-abc',
  ...overrides,
});

describe('decideAcquire', () => {
  it('creates the lock when there is no item, with fence 1', () => {
    expect(decideAcquire(undefined, NOW)).toEqual({ kind: 'create', nextFence: 1 });
  });

  it('takes a free lock, conditioned on the version read, with the next fence', () => {
    const free: LockItem = { name: 'deploy', state: 'FREE', fence: 7, version: 'v7' };
    expect(decideAcquire(free, NOW)).toEqual({ kind: 'take-free', expectVersion: 'v7', nextFence: 8 });
  });

  it('takes a free lock even if stale holder fields remain', () => {
    expect(decideAcquire(held({ state: 'FREE' }), NOW)).toEqual({
      kind: 'take-free',
      expectVersion: 'v-abc',
      nextFence: 42,
    });
  });

  it.each([
    ['expired a while ago', NOW - 3_600_000],
    ['expiring at this very millisecond', NOW],
  ])('takes a held lock whose lease %s', (_label, leaseExpiresAt) => {
    expect(decideAcquire(held({ leaseExpiresAt }), NOW)).toEqual({
      kind: 'take-expired',
      expectVersion: 'v-abc',
      nextFence: 42,
    });
  });

  it('asks to verify the holder of a live lease', () => {
    expect(decideAcquire(held({ leaseExpiresAt: NOW + 1 }), NOW)).toEqual({
      kind: 'verify-holder',
      holderExecutionId: '7f3kq9m2xw4h',
      expectVersion: 'v-abc',
      nextFence: 42,
    });
  });

  it('asks to verify the holder of a lock without a lease', () => {
    expect(decideAcquire(held({ leaseExpiresAt: undefined }), NOW)).toMatchObject({ kind: 'verify-holder' });
  });

  it('treats a held lock that names no holder as abandoned', () => {
    expect(decideAcquire(held({ holderExecutionId: undefined }), NOW)).toEqual({
      kind: 'take-expired',
      expectVersion: 'v-abc',
      nextFence: 42,
    });
  });
});

/** The delays a wait of `waitMs` makes when no time passes but the sleeps (what createWithLock does). */
function delaysOver(
  waitMs: number,
  options: Parameters<typeof backoffDelay>[2] = {},
  max = 100_000,
): number[] {
  const out: number[] = [];
  let remaining = waitMs;
  for (let attempt = 0; out.length < max; attempt++) {
    const delay = backoffDelay(attempt, remaining, options);
    if (delay === undefined) break;
    out.push(delay);
    remaining -= delay;
  }
  return out;
}

describe('backoffDelay', () => {
  it('gives nothing when no wait is left: fail at once', () => {
    expect(backoffDelay(0, 0)).toBeUndefined();
    expect(backoffDelay(0, -5)).toBeUndefined();
    expect(backoffDelay(3, 0.5)).toBeUndefined();
    expect(backoffDelay(0, Number.NaN)).toBeUndefined();
  });

  it('doubles the ceiling from the base up to the maximum (jitter at its top)', () => {
    expect(delaysOver(60_000, { jitter: () => 0.999999 })).toEqual([
      999, 1999, 3999, 7999, 14999, 14999, 14999, 7,
    ]);
  });

  it('cuts the last delay so that the total is exactly the wait', () => {
    const delays = delaysOver(10_000, { jitter: () => 0.999999 });
    expect(delays).toEqual([999, 1999, 3999, 3003]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('applies full jitter: a fraction of the ceiling', () => {
    const delays = delaysOver(100_000, { jitter: () => 0.5, baseMs: 200, maxMs: 1600 });
    expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 800, 800]);
  });

  it('never goes below the minimum delay, so it cannot spin', () => {
    expect(delaysOver(1000, { jitter: () => 0 })).toEqual(Array(10).fill(100));
    expect(delaysOver(1000, { jitter: () => 0, minMs: 250 })).toEqual([250, 250, 250, 250]);
  });

  it('gives a last delay shorter than the minimum when that is all the wait left', () => {
    expect(delaysOver(1050, { jitter: () => 0 })).toEqual([...Array(10).fill(100), 50]);
  });

  it('stays at the maximum for very late attempts', () => {
    expect(backoffDelay(1_000_000, 60_000, { jitter: () => 0.999999 })).toBe(14999);
  });

  it.each([1_000, 7_777, 600_000, 3_600_000])(
    'never exceeds a wait of %d ms with random jitter',
    (waitMs) => {
      for (let run = 0; run < 20; run++) {
        const delays = delaysOver(waitMs);
        expect(delays.reduce((a, b) => a + b, 0)).toBe(waitMs);
        for (const d of delays) {
          expect(d).toBeGreaterThan(0);
          expect(d).toBeLessThanOrEqual(15_000);
        }
      }
    },
  );
});

describe('conflictRetryDelay', () => {
  it('backs off quickly from 50 ms, with jitter and a 20 ms floor', () => {
    const top = { ...CONFLICT_BACKOFF, jitter: () => 0.999999 };
    expect([1, 2, 3, 4].map((n) => conflictRetryDelay(n, 60_000, top))).toEqual([49, 99, 199, 399]);
    expect(conflictRetryDelay(1, 60_000, { ...CONFLICT_BACKOFF, jitter: () => 0 })).toBe(20);
    expect(conflictRetryDelay(20, 60_000, top)).toBe(999);
  });

  it('with no wait left (--lock-wait 0), allows a few quick retries, then gives up', () => {
    const retries: Array<number | undefined> = [];
    for (let n = 1; n <= 10; n++) retries.push(conflictRetryDelay(n, 0));
    expect(retries.slice(0, QUICK_CONFLICT_RETRIES).every((d) => d !== undefined && d >= 20)).toBe(true);
    expect(retries.slice(QUICK_CONFLICT_RETRIES)).toEqual(Array(10 - QUICK_CONFLICT_RETRIES).fill(undefined));
  });

  it('past the quick retries, retries only within the wait left, and never beyond it', () => {
    const top = { ...CONFLICT_BACKOFF, jitter: () => 0.999999 };
    expect(conflictRetryDelay(QUICK_CONFLICT_RETRIES + 1, 30, top)).toBe(30);
    expect(conflictRetryDelay(QUICK_CONFLICT_RETRIES + 1, -1, top)).toBeUndefined();
  });
});

describe('quoteArgv', () => {
  it.each([
    [['terraform', 'apply'], 'terraform apply'],
    [['echo', 'hello world'], "echo 'hello world'"],
    [['echo', "it's"], "echo 'it'\\''s'"],
    [['echo', ''], "echo ''"],
    [['sh', '-c', 'make test | tee out.log'], "sh -c 'make test | tee out.log'"],
    [['ls', '*.txt'], "ls '*.txt'"],
    [['echo', '$HOME'], "echo '$HOME'"],
    [['echo', 'a;b', 'a&b', 'a`b`', 'a"b', 'a\nb'], "echo 'a;b' 'a&b' 'a`b`' 'a\"b' 'a\nb'"],
    [
      ['env', 'k=v', '--flag=1', 'a/b.c', 'user@host:path', '50%', 'a,b', '+x'],
      'env k=v --flag=1 a/b.c user@host:path 50% a,b +x',
    ],
    [['k=v', 'x'], "'k=v' x"],
    [['if', 'x'], "'if' x"],
    [['~', '#x', 'a(b)', '[a]', '{a}', 'a\\b'], "'~' '#x' 'a(b)' '[a]' '{a}' 'a\\b'"],
    [[], ''],
  ])('renders %j as %s', (argv, text) => {
    expect(quoteArgv(argv)).toBe(text);
  });
});

describe('formatLockConflict', () => {
  it('reports the holder like Terraform reports a held state lock', () => {
    expect(formatLockConflict(held(), NOW)).toBe(
      [
        'Error acquiring the lock "deploy"',
        '',
        'Lock Info:',
        '  Holder:      7f3kq9m2xw4h',
        '  Who:         arn:aws:sts::123456789012:assumed-role/Admin/alice',
        '  Host:        alice-laptop',
        '  Command:     terraform apply -auto-approve',
        '  Since:       2024-06-15T11:48:30Z (11m30s ago)',
        '  Fence:       41',
        '  Lease until: 2024-06-15T12:01:00Z (in 1m00s)',
        '',
        'runvoy acquires a lock so that two runs never hold it at once. Wait for the holder to finish ' +
          '(or pass --lock-wait 10m), or release it: runvoy locks release deploy --force',
      ].join('\n'),
    );
  });

  it('quotes the command and the lock name as a shell would need them', () => {
    const message = formatLockConflict(
      held({ name: 'prod/db', command: ['sh', '-c', 'psql -f migrate.sql'] }),
      NOW,
    );
    expect(message).toContain("  Command:     sh -c 'psql -f migrate.sql'");
    expect(message).toMatch(/runvoy locks release prod\/db --force$/);
  });

  it('adds --stack to the release command for a non-default stack', () => {
    expect(formatLockConflict(held(), NOW, { stack: 'team a' })).toMatch(
      /runvoy locks release deploy --force --stack 'team a'$/,
    );
  });

  it('says when the lease has expired', () => {
    expect(formatLockConflict(held({ leaseExpiresAt: NOW - 1 }), NOW)).toContain(
      '  Lease until: 2024-06-15T11:59:59Z (expired)',
    );
  });

  it('leaves out what it does not know, and aligns the rest', () => {
    const minimal: LockItem = {
      name: 'deploy',
      state: 'HELD',
      holderExecutionId: '7f3kq9m2xw4h',
      fence: 3,
      version: 'v',
    };
    const message = formatLockConflict(minimal, NOW);
    expect(message).toContain('Lock Info:\n  Holder: 7f3kq9m2xw4h\n  Fence:  3\n\n');
    expect(message).not.toMatch(/Who:|Host:|Command:|Since:|Lease until:/);
  });

  it('shows long holds in days and an unreadable time as it is', () => {
    expect(formatLockConflict(held({ acquiredAt: '2024-06-13T10:00:00Z' }), NOW)).toContain(
      '  Since:       2024-06-13T10:00:00Z (2d02h ago)',
    );
    expect(formatLockConflict(held({ acquiredAt: 'yesterday' }), NOW)).toContain(
      '  Since:       yesterday\n',
    );
  });

  it('shows an acquired time in the future (clock skew) as 0s ago', () => {
    expect(formatLockConflict(held({ acquiredAt: '2024-06-15T12:00:05Z' }), NOW)).toContain('(0s ago)');
  });

  it('shows a lease that is not a valid time as it is', () => {
    expect(formatLockConflict(held({ leaseExpiresAt: Number.NaN }), NOW)).toContain('  Lease until: NaN\n');
  });
});
