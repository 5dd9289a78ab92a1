import { validationError, type ValidationIssue } from './errors.js';
import {
  CONFIG_KEY_NAMES,
  checkSizePair,
  envVarFor,
  awsTimeoutMs,
  parseConfigValue,
  type ConfigKey,
  type ConfigRecord,
  type ConfigValue,
} from './config-schema.js';
import { defaultMemoryFor } from './fargate.js';

/** `policy`: the team policy in the stack (src/core/policy.ts), below the local config. */
export type SettingSource = 'flag' | 'env' | 'config' | 'policy' | 'default';

export interface ResolvedSetting {
  value: ConfigValue | undefined;
  source: SettingSource;
  /** The env var or flag it came from, for messages. */
  origin?: string;
}

export const DEFAULTS: ConfigRecord = {
  cpu: 256,
  arch: 'x86_64',
  spot: false,
  stack: 'runvoy',
};

/** Other tools' variables that count as environment for a key, after RUNVOY_<KEY>. */
const AWS_ENV_FALLBACKS: Partial<Record<ConfigKey, string[]>> = {
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  profile: ['AWS_PROFILE'],
};

export interface SettingInputs {
  flags: Partial<Record<ConfigKey, ConfigValue | undefined>>;
  env: Record<string, string | undefined>;
  file: ConfigRecord;
}

/**
 * Resolves every key with the precedence flag > environment > config file > built-in default.
 * A bad environment value is refused like a bad flag: it names the variable.
 */
export function resolveSettings(inputs: SettingInputs): Record<ConfigKey, ResolvedSetting> {
  const issues: ValidationIssue[] = [];
  const resolved = {} as Record<ConfigKey, ResolvedSetting>;
  for (const key of CONFIG_KEY_NAMES) {
    resolved[key] = resolveOne(key, inputs, issues);
  }
  if (resolved.memory.value === undefined && typeof resolved.cpu.value === 'number') {
    resolved.memory = { value: defaultMemoryFor(resolved.cpu.value), source: 'default' };
  }
  const pair = checkSizePair(
    resolved.cpu.value,
    resolved.memory.value,
    originName(resolved.memory, 'memory'),
  );
  if (pair) issues.push(pair);
  if (issues.length > 0) throw validationError(issues);
  return resolved;
}

function resolveOne(key: ConfigKey, inputs: SettingInputs, issues: ValidationIssue[]): ResolvedSetting {
  const flag = inputs.flags[key];
  if (flag !== undefined) return checked(key, String(flag), 'flag', `--${key}`, issues);
  for (const name of [envVarFor(key), ...(AWS_ENV_FALLBACKS[key] ?? [])]) {
    const text = inputs.env[name];
    if (text === undefined || text === '') continue;
    return checked(key, text, 'env', name, issues);
  }
  const stored = inputs.file[key];
  if (stored !== undefined) return checked(key, String(stored), 'config', `config ${key}`, issues);
  return { value: DEFAULTS[key], source: 'default' };
}

/** Every source is parsed the same way, so a value has the same type wherever it came from. */
function checked(
  key: ConfigKey,
  text: string,
  source: SettingSource,
  origin: string,
  issues: ValidationIssue[],
): ResolvedSetting {
  const parsed = parseConfigValue(key, text, origin);
  if ('issue' in parsed) {
    issues.push(parsed.issue);
    return { value: undefined, source, origin };
  }
  return { value: parsed.value, source, origin };
}

function originName(setting: ResolvedSetting, key: string): string {
  return setting.origin ?? key;
}

/** Every setting with where it came from: what `config list` and `config get` show. */
export type SourcedSettings = Record<ConfigKey, ResolvedSetting>;

/** The resolved settings as typed values: what commands and services read. */
export interface RunvoySettings {
  stack: string;
  region?: string;
  profile?: string;
  image?: string;
  cpu?: number;
  memory?: number;
  arch: 'x86_64' | 'arm64';
  /** The default --timeout, as written (a duration such as 30m). */
  timeout?: string;
  spot: boolean;
  budget: { perRun?: number; monthly?: number; perUser?: number };
  spotDiscount?: number;
  /** aws.timeout in milliseconds; undefined: the clients' default. */
  awsTimeoutMs?: number;
  /** Each value with its source, for `config list`/`get` and for messages that name a value's origin. */
  sources: SourcedSettings;
}

const text = (setting: ResolvedSetting) => (typeof setting.value === 'string' ? setting.value : undefined);
const number = (setting: ResolvedSetting) => (typeof setting.value === 'number' ? setting.value : undefined);

/** Typed values of resolved settings (resolveSettings has already checked each against its key). */
export function typedSettings(sources: SourcedSettings): RunvoySettings {
  const awsTimeout = sources['aws.timeout'].value;
  return {
    stack: text(sources.stack) ?? String(DEFAULTS.stack),
    region: text(sources.region),
    profile: text(sources.profile),
    image: text(sources.image),
    cpu: number(sources.cpu),
    memory: number(sources.memory),
    arch: sources.arch.value === 'arm64' ? 'arm64' : 'x86_64',
    timeout: text(sources.timeout),
    spot: sources.spot.value === true,
    budget: {
      perRun: number(sources['budget.perRun']),
      monthly: number(sources['budget.monthly']),
      perUser: number(sources['budget.perUser']),
    },
    spotDiscount: number(sources.spotDiscount),
    awsTimeoutMs: awsTimeout === undefined ? undefined : awsTimeoutMs(awsTimeout),
    sources,
  };
}
