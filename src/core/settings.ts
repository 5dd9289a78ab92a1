import { validationError, type ValidationIssue } from './errors.js';
import {
  CONFIG_KEY_NAMES,
  checkSizePair,
  envVarFor,
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
