/**
 * The team policy (docs/configuration.md, "Team policy"): team-wide settings kept in one item of the
 * stack's table, so that every member of the team runs under them. Pure: the keys and their values, the
 * item's decoding, the precedence of its defaults, and the decisions a run takes from it.
 */
import { CONFIG_KEYS, checkSizePair } from './config-schema.js';
import { parseDuration, formatDuration, DURATION_SYNTAX } from './duration.js';
import type { ValidationIssue } from './errors.js';
import { defaultMemoryFor, FARGATE_CPUS } from './fargate.js';
import { parseImageReference } from './image.js';
import type { Budgets } from './budget.js';
import type { ResolvedSetting } from './settings.js';
import { TIMEOUT_BOUNDS } from './run-request.js';

export type PolicyValue = string | number | boolean | string[];

interface PolicyKeySpec {
  description: string;
  allowed: string;
  /** Parses text (from `policy set`) into a typed value, or undefined when invalid. */
  parse: (text: string) => PolicyValue | undefined;
  /** How a stored value reads back into text for parse (lists are joined with commas). */
  text?: (value: PolicyValue) => string;
}

const MAX_IMAGE_PATTERNS = 50;
const MAX_CONCURRENT_RUNS = 10_000;

/** `*` for any run of characters (including `/` and `:`), everything else literally. */
const PATTERN = /^[A-Za-z0-9._\-/:@*[\]]{1,255}$/;

function parseImagePatterns(text: string): string[] | undefined {
  const patterns = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (patterns.length === 0 || patterns.length > MAX_IMAGE_PATTERNS) return undefined;
  return patterns.every((p) => PATTERN.test(p)) ? [...new Set(patterns)] : undefined;
}

function parseMaxTimeout(text: string): string | undefined {
  const ms = parseDuration(text);
  return ms !== undefined && ms >= TIMEOUT_BOUNDS.min && ms <= TIMEOUT_BOUNDS.max ? text.trim() : undefined;
}

function parseCount(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n >= 1 && n <= MAX_CONCURRENT_RUNS ? n : undefined;
}

function parseBooleanText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}

const fromConfig = (key: keyof typeof CONFIG_KEYS) => (text: string) =>
  (CONFIG_KEYS[key].parse as (text: string) => PolicyValue | undefined)(text.trim());

export const POLICY_KEYS = {
  'budget.perRun': {
    description:
      'Refuse any run whose worst case (its size, on demand, up to its timeout) costs more than this, in USD (exit 5).',
    allowed: CONFIG_KEYS['budget.perRun'].allowed,
    parse: fromConfig('budget.perRun'),
  },
  'budget.monthly': {
    description:
      "Refuse a run when the team's spend this month (UTC) plus its worst case exceeds this, in USD.",
    allowed: CONFIG_KEYS['budget.monthly'].allowed,
    parse: fromConfig('budget.monthly'),
  },
  'budget.perUser': {
    description:
      "Refuse a run when its caller's own spend this month plus its worst case exceeds this, in USD.",
    allowed: CONFIG_KEYS['budget.perUser'].allowed,
    parse: fromConfig('budget.perUser'),
  },
  'budget.allowOverride': {
    description:
      'Whether `run --over-budget` may break the team budgets (default false: only personal budgets can be overridden).',
    allowed: 'true, false',
    parse: parseBooleanText,
  },
  image: {
    description: 'Default image for runs that name none (below a flag, the environment and local config).',
    allowed: CONFIG_KEYS.image.allowed,
    parse: fromConfig('image'),
  },
  cpu: {
    description: 'Default CPU units (below a flag, the environment and local config).',
    allowed: FARGATE_CPUS.join(', '),
    parse: fromConfig('cpu'),
  },
  memory: {
    description: 'Default memory in MiB, valid for the policy cpu (or 256 when it has none).',
    allowed: CONFIG_KEYS.memory.allowed,
    parse: fromConfig('memory'),
  },
  arch: {
    description: 'Default CPU architecture (below a flag, the environment and local config).',
    allowed: CONFIG_KEYS.arch.allowed,
    parse: fromConfig('arch'),
  },
  'images.allowed': {
    description:
      'The only images runs may use: comma-separated patterns, `*` for any characters; a run whose image matches none is refused (exit 2).',
    allowed: `1 to ${MAX_IMAGE_PATTERNS} comma-separated patterns of letters, digits and . _ - / : @ [ ] *, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/*,alpine:*`,
    parse: parseImagePatterns,
    text: (value) => (Array.isArray(value) ? value.join(',') : String(value)),
  },
  'timeout.max': {
    description:
      'The longest --timeout a run may ask for; a run without one gets this one (a duration such as 2h).',
    allowed: `${DURATION_SYNTAX}, from ${formatDuration(TIMEOUT_BOUNDS.min)} to ${formatDuration(TIMEOUT_BOUNDS.max)}`,
    parse: parseMaxTimeout,
  },
  'runs.maxConcurrent': {
    description: 'The most runs of the team that may be unfinished (PENDING, STARTING, RUNNING) at once.',
    allowed: `a whole number from 1 to ${MAX_CONCURRENT_RUNS}`,
    parse: parseCount,
  },
} satisfies Record<string, PolicyKeySpec>;

export type PolicyKey = keyof typeof POLICY_KEYS;
export const POLICY_KEY_NAMES = Object.keys(POLICY_KEYS) as PolicyKey[];
export type PolicyValues = Partial<Record<PolicyKey, PolicyValue>>;

/** The team policy as read from the table. Version 0: there is no policy item (nothing was ever set). */
export interface TeamPolicy {
  version: number;
  values: PolicyValues;
  updatedAt?: string;
  updatedBy?: string;
}

export const NO_POLICY: TeamPolicy = { version: 0, values: {} };

export function isPolicyKey(key: string): key is PolicyKey {
  return Object.hasOwn(POLICY_KEYS, key);
}

export function unknownPolicyKeyIssue(key: string): ValidationIssue {
  const config = Object.hasOwn(CONFIG_KEYS, key)
    ? ` "${key}" is a local setting: \`runvoy config set ${key} VALUE\`.`
    : '';
  return {
    field: 'KEY',
    value: key,
    allowed: POLICY_KEY_NAMES.join(', '),
    ...(config ? { hint: config.trim() } : {}),
  };
}

/** Parses the text of `policy set KEY VALUE`. */
export function parsePolicyValue(
  key: PolicyKey,
  text: string,
): { value: PolicyValue } | { issue: ValidationIssue } {
  const spec: PolicyKeySpec = POLICY_KEYS[key];
  const value = spec.parse(text);
  if (value === undefined) return { issue: { field: key, value: text, allowed: spec.allowed } };
  return { value };
}

/** A value as `policy get` prints it and the audit trail shows it. */
export function policyValueText(key: PolicyKey, value: PolicyValue | undefined): string {
  if (value === undefined) return '(unset)';
  const spec: PolicyKeySpec = POLICY_KEYS[key];
  return spec.text ? spec.text(value) : String(value);
}

/** Checks a stored value by reading it back through the key's parser: the same rules as `policy set`. */
function checkStored(key: PolicyKey, value: unknown): ValidationIssue | undefined {
  const spec: PolicyKeySpec = POLICY_KEYS[key];
  const isList = Array.isArray(value) && value.every((v) => typeof v === 'string');
  const isScalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const wantsList = key === 'images.allowed';
  const bad = {
    field: key,
    value: isList ? (value as string[]).join(',') : JSON.stringify(value),
    allowed: spec.allowed,
  };
  if (wantsList ? !isList : !isScalar) return bad;
  const parsed = spec.parse(isList ? (value as string[]).join(',') : String(value));
  return parsed === undefined ? bad : undefined;
}

/**
 * The policy item as stored (without its key attributes). Keys this runvoy does not know are kept aside
 * (a newer runvoy may have set them), and bad values are reported: a run refuses to go on under a
 * policy it cannot read, rather than skip a rule.
 */
export function decodePolicy(item: Record<string, unknown> | undefined): {
  policy: TeamPolicy;
  problems: ValidationIssue[];
  unknownKeys: string[];
} {
  if (!item) return { policy: NO_POLICY, problems: [], unknownKeys: [] };
  const problems: ValidationIssue[] = [];
  const version = item.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    problems.push({ field: 'version', value: JSON.stringify(version), allowed: 'a whole number, 1 or more' });
  }
  const raw = item.values;
  const values: PolicyValues = {};
  const unknownKeys: string[] = [];
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    problems.push({ field: 'values', value: JSON.stringify(raw), allowed: 'a map of policy keys' });
  } else {
    for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
      if (!isPolicyKey(key)) {
        unknownKeys.push(key);
        continue;
      }
      const issue = checkStored(key, value);
      if (issue) problems.push(issue);
      else values[key] = value as PolicyValue;
    }
  }
  const policy: TeamPolicy = { version: typeof version === 'number' ? version : 0, values };
  if (typeof item.updatedAt === 'string') policy.updatedAt = item.updatedAt;
  if (typeof item.updatedBy === 'string') policy.updatedBy = item.updatedBy;
  return { policy, problems, unknownKeys };
}

/**
 * The cross-key rule of `policy set cpu|memory`: the policy's memory must be valid for the policy's cpu
 * (or for the smallest cpu when the policy has none), as it is for the local config.
 */
export function checkPolicySizePair(values: PolicyValues): ValidationIssue | undefined {
  if (values.memory === undefined) return undefined;
  return checkSizePair(values.cpu ?? FARGATE_CPUS[0], values.memory, 'memory');
}

/** The team budgets of a policy. */
export function teamBudgets(policy: TeamPolicy): Budgets {
  const budgets: Budgets = {};
  const { values } = policy;
  if (typeof values['budget.perRun'] === 'number') budgets.perRun = values['budget.perRun'];
  if (typeof values['budget.monthly'] === 'number') budgets.monthly = values['budget.monthly'];
  if (typeof values['budget.perUser'] === 'number') budgets.perUser = values['budget.perUser'];
  return budgets;
}

export type RunDefaultKey = 'image' | 'cpu' | 'memory' | 'arch';

/**
 * The settings of a run with the team's defaults in their place: flag > environment > local config >
 * team policy > built-in default. A team default replaces only a built-in one (or nothing). The policy's
 * memory goes with a cpu that came from the policy or the built-in default; with a cpu of the user's own
 * it applies only when valid for that cpu, else the smallest memory for that cpu does, as without a policy.
 */
export function withPolicyDefaults<S extends Record<RunDefaultKey, ResolvedSetting>>(
  settings: S,
  policy: TeamPolicy,
): S {
  const next = { ...settings };
  const fromPolicy = (key: RunDefaultKey): ResolvedSetting | undefined => {
    const value = policy.values[key];
    return value === undefined || Array.isArray(value)
      ? undefined
      : { value, source: 'policy', origin: `team policy ${key}` };
  };
  for (const key of ['image', 'cpu', 'arch'] as const) {
    const team = fromPolicy(key);
    if (team && isBuiltIn(settings[key])) next[key] = team;
  }
  const memory = fromPolicy('memory');
  if (isBuiltIn(settings.memory)) {
    const cpu = next.cpu.value;
    if (memory && typeof cpu === 'number' && !checkSizePair(cpu, memory.value)) next.memory = memory;
    else if (next.cpu.source === 'policy' && typeof cpu === 'number') {
      next.memory = { value: defaultMemoryFor(cpu), source: 'default' };
    }
  }
  return next;
}

function isBuiltIn(setting: ResolvedSetting): boolean {
  return setting.source === 'default' || setting.value === undefined;
}

/** `*` matches any run of characters; everything else matches itself. The whole reference must match. */
export function matchesImagePattern(image: string, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(image);
}

/**
 * The forms of a reference that patterns are matched against: as written, and fully qualified the way
 * Docker reads it (`alpine:3.20` is `docker.io/library/alpine:3.20`; no tag means `:latest`).
 */
export function imageForms(image: string): string[] {
  const forms = [image];
  const parsed = parseImageReference(image);
  if (!parsed.ok) return forms;
  const { domain, path, tag, digest } = parsed.reference;
  const host = domain ?? 'docker.io';
  const repo = domain === undefined && !path.includes('/') ? `library/${path}` : path;
  const suffix = `${tag !== undefined || digest === undefined ? `:${tag ?? 'latest'}` : ''}${digest ? `@${digest}` : ''}`;
  const full = `${host}/${repo}${suffix}`;
  if (full !== image) forms.push(full);
  return forms;
}

export const IMAGE_MATCH_RULE =
  'A pattern matches the whole reference, as written or fully qualified (alpine:3.20 is also docker.io/library/alpine:3.20, and no tag means :latest); `*` matches any characters, including / and :.';

/** Whether a run's image is one the team allows; undefined when it is (or when there is no rule). */
export function checkImageAllowed(
  image: string,
  policy: TeamPolicy,
  field = '--image',
): ValidationIssue | undefined {
  const patterns = policy.values['images.allowed'];
  if (!Array.isArray(patterns)) return undefined;
  const forms = imageForms(image);
  if (patterns.some((pattern) => forms.some((form) => matchesImagePattern(form, pattern)))) return undefined;
  return {
    field,
    value: image,
    allowed: `an image the team policy allows (images.allowed: ${patterns.join(', ')})`,
    hint: `${IMAGE_MATCH_RULE} Ask an admin to change it with \`runvoy policy set images.allowed PATTERNS\`.`,
  };
}

/**
 * The run's timeout under `timeout.max`: a longer one is refused; none at all becomes the maximum (so
 * every run of the team ends by then). Returns the timeout to use and a note, or the issue.
 */
export function decideTimeout(
  timeoutMs: number | undefined,
  policy: TeamPolicy,
  field = '--timeout',
): { timeoutMs: number | undefined; note?: string } | { issue: ValidationIssue } {
  const max = policy.values['timeout.max'];
  const maxMs = typeof max === 'string' ? parseDuration(max) : undefined;
  if (maxMs === undefined) return { timeoutMs };
  if (timeoutMs === undefined) {
    return {
      timeoutMs: maxMs,
      note: `No --timeout given: the team policy's timeout.max (${formatDuration(maxMs)}) applies.`,
    };
  }
  if (timeoutMs <= maxMs) return { timeoutMs };
  return {
    issue: {
      field,
      value: formatDuration(timeoutMs),
      allowed: `at most ${formatDuration(maxMs)} (the team policy's timeout.max)`,
      hint: 'Pass a shorter --timeout, or ask an admin to raise it with `runvoy policy set timeout.max DURATION`.',
    },
  };
}

/** Whether one more run fits under `runs.maxConcurrent`, given the unfinished runs now. */
export function decideConcurrency(
  unfinished: number,
  policy: TeamPolicy,
): { ok: true } | { ok: false; limit: number; unfinished: number } {
  const limit = policy.values['runs.maxConcurrent'];
  if (typeof limit !== 'number' || unfinished < limit) return { ok: true };
  return { ok: false, limit, unfinished };
}

/** What one `policy set` or `policy unset` changes, for the conditional write and its audit event. */
export interface PolicyChange {
  key: PolicyKey;
  /** undefined: unset. */
  value: PolicyValue | undefined;
}

/** The policy after a change, for the cross-key checks before it is written. */
export function applyChange(values: PolicyValues, change: PolicyChange): PolicyValues {
  const next = { ...values };
  if (change.value === undefined) delete next[change.key];
  else next[change.key] = change.value;
  return next;
}
