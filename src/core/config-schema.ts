import type { ValidationIssue } from './errors.js';
import { describeMemoriesFor, FARGATE_CPUS, isValidCpu, isValidSize } from './fargate.js';
import { parseDuration } from './duration.js';
import { validateImage } from './image.js';
import { isValidSpotDiscount, SPOT_DISCOUNT_MAX } from './pricing.js';

export type ConfigValue = string | number | boolean;

interface KeySpec {
  description: string;
  /** What is allowed, for messages and docs. */
  allowed: string;
  /** Parses text (from `config set`, env) into a typed value, or returns undefined when invalid. */
  parse: (text: string) => ConfigValue | undefined;
  /** Further checks on a typed value; returns a hint when invalid. */
  check?: (value: ConfigValue) => string | undefined;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const PROFILE = /^[\w.@+-]{1,128}$/;

function parseInteger(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return undefined;
}

const USD_AMOUNT = /^\d{1,9}(?:\.\d{1,6})?$/;

/** A positive amount of US dollars, at most six decimals: `25`, `0.50`, `0.01`. */
function parseUsd(text: string): number | undefined {
  const t = text.trim().replace(/^\$/, '');
  if (!USD_AMOUNT.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

function parseSpotDiscount(text: string): number | undefined {
  const t = text.trim();
  if (!/^(?:0(?:\.\d+)?|\.\d+|1(?:\.0+)?)$/.test(t)) return undefined;
  const n = Number(t);
  return isValidSpotDiscount(n) ? n : undefined;
}

const AWS_TIMEOUT_MIN_MS = 1_000;
const AWS_TIMEOUT_MAX_MS = 3_600_000;
const AWS_TIMEOUT_MIN_TEXT = '1s';
const AWS_TIMEOUT_MAX_TEXT = '1h';

/** aws.timeout: a duration, kept as text like `timeout`; see awsTimeoutMs. */
function parseAwsTimeout(text: string): string | undefined {
  return awsTimeoutMs(text) === undefined ? undefined : text.trim();
}

/** aws.timeout's value in milliseconds, or undefined when it is not a duration from 1s to 1h. */
export function awsTimeoutMs(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = parseDuration(String(value));
  return ms !== undefined && ms >= AWS_TIMEOUT_MIN_MS && ms <= AWS_TIMEOUT_MAX_MS ? ms : undefined;
}

const USD_ALLOWED = 'a positive amount in US dollars such as 0.50 or 25 (at most six decimals)';

function matching(pattern: RegExp) {
  return (text: string) => (pattern.test(text) ? text : undefined);
}

export const CONFIG_KEYS = {
  image: {
    description: 'Default container image for `runvoy run`.',
    allowed: 'an image reference such as public.ecr.aws/docker/library/alpine:3.20',
    parse: (text) => (validateImage(text) ? undefined : text),
  },
  cpu: {
    description: 'Default task CPU units.',
    allowed: FARGATE_CPUS.join(', '),
    parse: (text) => {
      const n = parseInteger(text);
      return n !== undefined && isValidCpu(n) ? n : undefined;
    },
  },
  memory: {
    description: 'Default task memory in MiB; must be valid for the CPU value.',
    allowed: 'a memory size in MiB valid for the cpu value (Fargate table)',
    parse: (text) => parseInteger(text),
  },
  arch: {
    description: 'Default CPU architecture.',
    allowed: 'x86_64, arm64',
    parse: (text) => (text === 'x86_64' || text === 'arm64' ? text : undefined),
  },
  timeout: {
    description: 'Default `--timeout` for runs (a duration such as 30m or 2h).',
    allowed: 'a duration such as 90s, 30m, 2h, 1h30m',
    parse: (text) => (parseDuration(text) === undefined ? undefined : text),
  },
  spot: {
    description: 'Run on Fargate Spot by default.',
    allowed: 'true, false',
    parse: parseBoolean,
  },
  stack: {
    description: 'CloudFormation stack name.',
    allowed: 'a stack name: a letter, then letters, digits and hyphens, at most 128 characters',
    parse: matching(STACK_NAME),
  },
  region: {
    description: 'AWS region.',
    allowed: 'an AWS region code such as us-east-1',
    parse: matching(REGION),
  },
  profile: {
    description: 'AWS profile from ~/.aws/config.',
    allowed: 'a profile name (letters, digits and . _ - + @)',
    parse: matching(PROFILE),
  },
  'budget.perRun': {
    description:
      'Refuse a run whose worst case (its size up to its --timeout) costs more than this, in USD (exit 5).',
    allowed: USD_ALLOWED,
    parse: parseUsd,
  },
  'budget.monthly': {
    description:
      "Refuse a run when this month's spend (UTC, from the records) plus its worst case exceeds this, in USD.",
    allowed: USD_ALLOWED,
    parse: parseUsd,
  },
  'budget.perUser': {
    description: 'Like budget.monthly, for the spend of the calling identity alone, in USD per month.',
    allowed: USD_ALLOWED,
    parse: parseUsd,
  },
  spotDiscount: {
    description: 'Fraction off the on-demand price assumed for Fargate Spot tasks (default 0.7).',
    allowed: `a fraction from 0 to ${SPOT_DISCOUNT_MAX}, such as 0.7 for 70% off`,
    parse: parseSpotDiscount,
  },
  'aws.timeout': {
    description:
      'How long a command waits for AWS to answer before it gives up (a duration; default 60s). A notice on stderr says when it waits.',
    allowed: `a duration from ${AWS_TIMEOUT_MIN_TEXT} to ${AWS_TIMEOUT_MAX_TEXT}, such as 30s, 60s or 5m`,
    parse: parseAwsTimeout,
  },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type ConfigRecord = Partial<Record<ConfigKey, ConfigValue>>;

export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

/** RUNVOY_<KEY>, upper case, with the dot of a dotted key as an underscore: RUNVOY_BUDGET_PERRUN. */
export function envVarFor(key: ConfigKey): string {
  return `RUNVOY_${key.toUpperCase().replace(/\./g, '_')}`;
}

export function unknownKeyIssue(key: string, field = 'key'): ValidationIssue {
  return { field, value: key, allowed: CONFIG_KEY_NAMES.join(', ') };
}

/** Parses one value given as text (`config set`, environment). */
export function parseConfigValue(
  key: ConfigKey,
  text: string,
  field: string = key,
): { value: ConfigValue } | { issue: ValidationIssue } {
  const spec: KeySpec = CONFIG_KEYS[key];
  const value = spec.parse(text);
  if (value === undefined) return { issue: { field, value: text, allowed: spec.allowed } };
  return { value };
}

/** Checks a value read from the file, which may have any JSON type. */
function checkStoredValue(key: ConfigKey, value: unknown): ValidationIssue | undefined {
  const spec: KeySpec = CONFIG_KEYS[key];
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (!text) return { field: key, value: JSON.stringify(value), allowed: spec.allowed };
  const parsed = spec.parse(String(value));
  if (parsed === undefined) return { field: key, value: String(value), allowed: spec.allowed };
  return undefined;
}

/** The cross-key rule: memory must be valid for the cpu that goes with it. */
export function checkSizePair(cpu: unknown, memory: unknown, field = 'memory'): ValidationIssue | undefined {
  if (typeof cpu !== 'number' || typeof memory !== 'number' || !isValidCpu(cpu)) return undefined;
  if (isValidSize(cpu, memory)) return undefined;
  return { field, value: String(memory), allowed: `for cpu ${cpu}: ${describeMemoriesFor(cpu)}` };
}

/** Validates a whole config document: unknown keys, bad values, and the cpu/memory pair. */
export function validateConfigDocument(doc: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (!isConfigKey(key)) {
      issues.push(unknownKeyIssue(key, key));
      continue;
    }
    const issue = checkStoredValue(key, value);
    if (issue) issues.push(issue);
  }
  // Without a cpu in the file, memory goes with the default cpu (the smallest). A value that is already
  // reported as bad is not checked again as part of the pair.
  const reported = new Set(issues.map((issue) => issue.field));
  if (!reported.has('cpu') && !reported.has('memory')) {
    const pair = checkSizePair(numeric(doc.cpu) ?? FARGATE_CPUS[0], numeric(doc.memory));
    if (pair) issues.push(pair);
  }
  return issues;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
