import { describe, expect, it } from 'vitest';
import { decideBudget } from '../../../src/core/budget.js';
import {
  applyChange,
  checkImageAllowed,
  checkPolicySizePair,
  decideConcurrency,
  decideTimeout,
  decodePolicy,
  imageForms,
  isPolicyKey,
  matchesImagePattern,
  NO_POLICY,
  parsePolicyValue,
  POLICY_KEY_NAMES,
  policyValueText,
  teamBudgets,
  unknownPolicyKeyIssue,
  withPolicyDefaults,
  type PolicyKey,
  type TeamPolicy,
} from '../../../src/core/policy.js';
import { resolveSettings } from '../../../src/core/settings.js';

const policy = (values: TeamPolicy['values'], version = 3): TeamPolicy => ({ version, values });

describe('policy keys and values', () => {
  it('knows the team keys and none of the local-only ones', () => {
    expect(POLICY_KEY_NAMES).toEqual([
      'budget.perRun',
      'budget.monthly',
      'budget.perUser',
      'budget.allowOverride',
      'image',
      'cpu',
      'memory',
      'arch',
      'images.allowed',
      'timeout.max',
      'runs.maxConcurrent',
    ]);
    expect(isPolicyKey('budget.perRun')).toBe(true);
    expect(isPolicyKey('region')).toBe(false);
    expect(isPolicyKey('toString')).toBe(false);
  });

  it('says when an unknown key is a local setting', () => {
    expect(unknownPolicyKeyIssue('region').hint).toContain('runvoy config set region VALUE');
    expect(unknownPolicyKeyIssue('budgets.perRun').hint).toBeUndefined();
    expect(unknownPolicyKeyIssue('budgets.perRun').allowed).toContain('budget.perRun');
  });

  it.each<[PolicyKey, string, unknown]>([
    ['budget.perRun', '0.01', 0.01],
    ['budget.perRun', '$25', 25],
    ['budget.monthly', '1000', 1000],
    ['budget.perUser', '12.5', 12.5],
    ['budget.allowOverride', 'true', true],
    ['budget.allowOverride', 'FALSE', false],
    ['image', 'alpine:3.20', 'alpine:3.20'],
    ['cpu', '1024', 1024],
    ['memory', '4096', 4096],
    ['arch', 'arm64', 'arm64'],
    ['images.allowed', 'alpine:*, ghcr.io/acme/*,alpine:*', ['alpine:*', 'ghcr.io/acme/*']],
    ['timeout.max', '2h', '2h'],
    ['runs.maxConcurrent', '10', 10],
  ])('%s %s is %j', (key, text, value) => {
    expect(parsePolicyValue(key, text)).toEqual({ value });
  });

  it.each<[PolicyKey, string]>([
    ['budget.perRun', '0'],
    ['budget.perRun', '-1'],
    ['budget.perRun', 'abc'],
    ['budget.allowOverride', 'yes'],
    ['image', 'Alpine'],
    ['cpu', '300'],
    ['memory', 'lots'],
    ['arch', 'arm'],
    ['images.allowed', ''],
    ['images.allowed', 'alpine:*,with space'],
    ['timeout.max', '30s'],
    ['timeout.max', '15d'],
    ['timeout.max', 'soon'],
    ['runs.maxConcurrent', '0'],
    ['runs.maxConcurrent', '1.5'],
    ['runs.maxConcurrent', '100000'],
  ])('%s %j is refused, naming the key and what is allowed', (key, text) => {
    const parsed = parsePolicyValue(key, text);
    expect(parsed).toHaveProperty('issue');
    if ('issue' in parsed) {
      expect(parsed.issue.field).toBe(key);
      expect(parsed.issue.value).toBe(text);
      expect(parsed.issue.allowed.length).toBeGreaterThan(0);
    }
  });

  it('prints values as they are set', () => {
    expect(policyValueText('images.allowed', ['a:*', 'b'])).toBe('a:*,b');
    expect(policyValueText('budget.perRun', 0.01)).toBe('0.01');
    expect(policyValueText('cpu', undefined)).toBe('(unset)');
  });

  it('checks the cpu/memory pair of the policy (memory alone goes with the smallest cpu)', () => {
    expect(checkPolicySizePair({ cpu: 1024, memory: 4096 })).toBeUndefined();
    expect(checkPolicySizePair({ memory: 1024 })).toBeUndefined();
    expect(checkPolicySizePair({ memory: 4096 })?.allowed).toContain('for cpu 256');
    expect(checkPolicySizePair({ cpu: 1024 })).toBeUndefined();
    expect(applyChange({ cpu: 1024, memory: 2048 }, { key: 'memory', value: undefined })).toEqual({
      cpu: 1024,
    });
    expect(applyChange({}, { key: 'cpu', value: 512 })).toEqual({ cpu: 512 });
  });
});

describe('decodePolicy', () => {
  it('reads no item as version 0 with no values', () => {
    expect(decodePolicy(undefined)).toEqual({ policy: NO_POLICY, problems: [], unknownKeys: [] });
  });

  it('reads a policy item, its author and time', () => {
    const read = decodePolicy({
      version: 4,
      values: {
        'budget.perRun': 0.01,
        'images.allowed': ['alpine:*'],
        cpu: 512,
        'budget.allowOverride': false,
      },
      updatedAt: '2026-12-01T00:00:00.000Z',
      updatedBy: 'arn:aws:iam::123456789012:user/alice',
    });
    expect(read.problems).toEqual([]);
    expect(read.policy).toEqual({
      version: 4,
      values: {
        'budget.perRun': 0.01,
        'images.allowed': ['alpine:*'],
        cpu: 512,
        'budget.allowOverride': false,
      },
      updatedAt: '2026-12-01T00:00:00.000Z',
      updatedBy: 'arn:aws:iam::123456789012:user/alice',
    });
  });

  it('keeps aside keys it does not know, and reports values that break the rules', () => {
    const read = decodePolicy({
      version: 2,
      values: {
        'budget.perRun': 'cheap',
        'images.allowed': 'alpine:*',
        cpu: 333,
        later: 1,
        'timeout.max': '1h',
      },
    });
    expect(read.unknownKeys).toEqual(['later']);
    expect(read.problems.map((p) => p.field).sort()).toEqual(['budget.perRun', 'cpu', 'images.allowed']);
    expect(read.policy.values).toEqual({ 'timeout.max': '1h' });
  });

  it('reports a bad version or values attribute', () => {
    expect(decodePolicy({ version: '2', values: {} }).problems.map((p) => p.field)).toEqual(['version']);
    expect(decodePolicy({ version: 2, values: ['x'] }).problems.map((p) => p.field)).toEqual(['values']);
  });
});

describe('withPolicyDefaults: flag > env > local config > team policy > built-in', () => {
  const resolve = (inputs: Partial<Parameters<typeof resolveSettings>[0]>) =>
    resolveSettings({ flags: {}, env: {}, file: {}, ...inputs });
  const team = policy({ image: 'ghcr.io/acme/base:1', cpu: 1024, memory: 4096, arch: 'arm64' });

  it('fills what only the built-in default gave', () => {
    const s = withPolicyDefaults(resolve({}), team);
    expect(s.image).toEqual({ value: 'ghcr.io/acme/base:1', source: 'policy', origin: 'team policy image' });
    expect(s.cpu.value).toBe(1024);
    expect(s.memory).toMatchObject({ value: 4096, source: 'policy' });
    expect(s.arch).toMatchObject({ value: 'arm64', source: 'policy' });
  });

  it('never replaces a flag, a variable or the local config', () => {
    const s = withPolicyDefaults(
      resolve({
        flags: { image: 'alpine:3.20' },
        env: { RUNVOY_ARCH: 'x86_64' },
        file: { cpu: 256 },
      }),
      team,
    );
    expect(s.image).toMatchObject({ value: 'alpine:3.20', source: 'flag' });
    expect(s.arch).toMatchObject({ value: 'x86_64', source: 'env' });
    expect(s.cpu).toMatchObject({ value: 256, source: 'config' });
    // 4096 MiB is not valid for 256 CPU units: the smallest memory for the user's cpu, as without a policy.
    expect(s.memory).toMatchObject({ value: 512, source: 'default' });
  });

  it("uses the policy's memory with the user's cpu when it is valid for it", () => {
    const s = withPolicyDefaults(resolve({ file: { cpu: 2048 } }), team);
    expect(s.memory).toMatchObject({ value: 4096, source: 'policy' });
  });

  it('gives a policy cpu without a policy memory the smallest memory for it', () => {
    const s = withPolicyDefaults(resolve({}), policy({ cpu: 2048 }));
    expect(s.cpu).toMatchObject({ value: 2048, source: 'policy' });
    expect(s.memory).toMatchObject({ value: 4096, source: 'default' });
  });

  it('changes nothing without a policy', () => {
    const settings = resolve({});
    expect(withPolicyDefaults(settings, NO_POLICY)).toEqual(settings);
  });
});

describe('allowed images', () => {
  it('matches whole references, `*` across / and :', () => {
    expect(matchesImagePattern('ghcr.io/acme/app:v1', 'ghcr.io/acme/*')).toBe(true);
    expect(matchesImagePattern('ghcr.io/acme/team/app:v1', 'ghcr.io/acme/*')).toBe(true);
    expect(matchesImagePattern('ghcr.io/acmex/app:v1', 'ghcr.io/acme/*')).toBe(false);
    expect(matchesImagePattern('evil.io/ghcr.io/acme/app', 'ghcr.io/acme/*')).toBe(false);
    expect(matchesImagePattern('alpine:3.20', 'alpine:3.20')).toBe(true);
    expect(matchesImagePattern('alpine:3x20', 'alpine:3.20')).toBe(false);
  });

  it('also matches the fully qualified form of a Docker Hub reference', () => {
    expect(imageForms('alpine')).toEqual(['alpine', 'docker.io/library/alpine:latest']);
    expect(imageForms('acme/app:1')).toEqual(['acme/app:1', 'docker.io/acme/app:1']);
    expect(imageForms('ghcr.io/acme/app:1')).toEqual(['ghcr.io/acme/app:1']);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(imageForms(`alpine@${digest}`)).toEqual([
      `alpine@${digest}`,
      `docker.io/library/alpine@${digest}`,
    ]);
  });

  it('refuses an image that matches no pattern, naming the patterns and the rule', () => {
    const team = policy({
      'images.allowed': ['docker.io/library/*', '123456789012.dkr.ecr.us-east-1.amazonaws.com/*'],
    });
    expect(checkImageAllowed('alpine:3.20', team)).toBeUndefined();
    expect(checkImageAllowed('123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1', team)).toBeUndefined();
    const issue = checkImageAllowed('ghcr.io/acme/app:1', team, 'config image');
    expect(issue).toMatchObject({ field: 'config image', value: 'ghcr.io/acme/app:1' });
    expect(issue?.allowed).toContain('docker.io/library/*, 123456789012.dkr.ecr.us-east-1.amazonaws.com/*');
    expect(issue?.hint).toContain('fully qualified');
    expect(issue?.hint).toContain('runvoy policy set images.allowed');
  });

  it('allows every image without the rule', () => {
    expect(checkImageAllowed('anything:1', NO_POLICY)).toBeUndefined();
  });
});

describe('timeout.max and runs.maxConcurrent', () => {
  const team = policy({ 'timeout.max': '2h', 'runs.maxConcurrent': 2 });

  it('gives a run without a timeout the maximum, with a note', () => {
    const decided = decideTimeout(undefined, team);
    expect(decided).toEqual({ timeoutMs: 7_200_000, note: expect.stringContaining('timeout.max (2h') });
  });

  it('keeps a timeout within the maximum and refuses a longer one', () => {
    expect(decideTimeout(3_600_000, team)).toEqual({ timeoutMs: 3_600_000 });
    expect(decideTimeout(7_200_000, team)).toEqual({ timeoutMs: 7_200_000 });
    const refused = decideTimeout(7_200_001, team, 'config timeout');
    expect(refused).toHaveProperty('issue');
    if ('issue' in refused) {
      expect(refused.issue.field).toBe('config timeout');
      expect(refused.issue.allowed).toContain('at most 2h');
      expect(refused.issue.allowed).toContain("team policy's timeout.max");
    }
  });

  it('leaves the timeout alone without the rule', () => {
    expect(decideTimeout(undefined, NO_POLICY)).toEqual({ timeoutMs: undefined });
  });

  it('lets a run start while fewer runs than the limit are unfinished', () => {
    expect(decideConcurrency(1, team)).toEqual({ ok: true });
    expect(decideConcurrency(2, team)).toEqual({ ok: false, limit: 2, unfinished: 2 });
    expect(decideConcurrency(500, NO_POLICY)).toEqual({ ok: true });
  });
});

describe('team budgets', () => {
  const worstCase = { amount: 0.0123, status: 'estimated' as const, display: '$0.0123' };

  it('are the budget keys of the policy', () => {
    expect(teamBudgets(policy({ 'budget.perRun': 0.01, 'budget.monthly': 100, cpu: 256 }))).toEqual({
      perRun: 0.01,
      monthly: 100,
    });
  });

  it('refuse naming the team policy, with the fix for an admin, and no --over-budget unless it allows', () => {
    const decision = decideBudget({
      budgets: { perRun: 0.01 },
      worstCase,
      timeoutMs: 3_600_000,
      scope: 'team',
      overridable: false,
    });
    expect(decision.verdict).toBe('refuse');
    expect(decision.problems[0]).toContain("of the team policy's budget.perRun $0.0100");
    expect(decision.fix).toContain('runvoy policy set budget.perRun 0.02');
    expect(decision.fix).toContain('; --over-budget cannot lift a team budget');
  });

  it('are lifted by --over-budget when overridable', () => {
    const decision = decideBudget({
      budgets: { perRun: 0.01 },
      worstCase,
      timeoutMs: 3_600_000,
      scope: 'team',
      overridable: true,
      overBudget: true,
    });
    expect(decision.verdict).toBe('override');
    expect(decision.warnings[0]).toContain('running anyway (--over-budget)');
  });

  it('name the team policy when a run has no timeout', () => {
    const decision = decideBudget({ budgets: { perRun: 1 }, worstCase, timeoutMs: undefined, scope: 'team' });
    expect(decision.problems[0]).toContain("the team policy's budget.perRun cannot be held");
  });

  it('keep the personal message as it was', () => {
    const decision = decideBudget({ budgets: { perRun: 0.01 }, worstCase, timeoutMs: 3_600_000 });
    expect(decision.problems[0]).toContain('of budget.perRun $0.0100');
    expect(decision.fix).toContain('runvoy config set budget.perRun 0.02');
    expect(decision.fix).toContain('or pass --over-budget to run anyway');
  });
});

describe('applyRunRules (the rules a run meets before any record is read)', () => {
  const request = {
    image: 'ghcr.io/acme/app:1',
    command: ['true'],
    shell: false,
    cpu: 256,
    memory: 512,
    arch: 'x86_64' as const,
    spot: false,
    env: [],
    secrets: [],
    tags: {},
    lockWaitMs: 0,
    detach: true,
  };
  const fields = { image: '--image', timeout: 'config timeout' };

  it('gives a run without a timeout the maximum, and says so', async () => {
    const { applyRunRules } = await import('../../../src/services/run-policy.js');
    const ruled = applyRunRules(request, policy({ 'timeout.max': '45m' }), fields);
    expect(ruled.request.timeoutMs).toBe(2_700_000);
    expect(ruled.notes).toEqual([expect.stringContaining("team policy's timeout.max")]);
  });

  it('refuses with exit 2 and code POLICY, naming the field the value came from', async () => {
    const { applyRunRules } = await import('../../../src/services/run-policy.js');
    const long = (() => {
      try {
        return applyRunRules({ ...request, timeoutMs: 3_600_000 }, policy({ 'timeout.max': '45m' }), fields);
      } catch (error) {
        return error as { exitCode: number; code: string; what: string };
      }
    })();
    expect(long).toMatchObject({ exitCode: 2, code: 'POLICY' });
    expect((long as { what: string }).what).toContain('config timeout: "1h00m00s" is not valid');
    expect(() => applyRunRules(request, policy({ 'images.allowed': ['alpine:*'] }), fields)).toThrow(
      /Refused by the team policy: --image: "ghcr.io\/acme\/app:1"/,
    );
  });

  it('leaves a run alone without a policy', async () => {
    const { applyRunRules } = await import('../../../src/services/run-policy.js');
    expect(applyRunRules(request, NO_POLICY, fields)).toEqual({ request, notes: [] });
  });

  it('names every place an image can come from when there is none', async () => {
    const { noImageError } = await import('../../../src/services/run-policy.js');
    const error = noImageError();
    expect(error.exitCode).toBe(2);
    expect(error.fix).toContain('runvoy config set image IMAGE');
    expect(error.fix).toContain('runvoy policy set image IMAGE');
  });
});
