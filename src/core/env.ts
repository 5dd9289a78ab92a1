import type { ValidationIssue } from './errors.js';

export { parseTag, type Tag } from './tags.js';

export interface EnvVar {
  name: string;
  value: string;
}

export interface SecretRef {
  name: string;
  valueFrom: string;
}

/** Variables runvoy sets in the container itself (RUNVOY_EXECUTION_ID, ...). */
export const RESERVED_ENV_PREFIX = 'RUNVOY_';
const ENV_NAME_MAX_LENGTH = 255;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function validateEnvName(name: string, field = '--env'): ValidationIssue | undefined {
  const allowed =
    `a variable name of letters, digits and "_", not starting with a digit, at most ${ENV_NAME_MAX_LENGTH} ` +
    `characters, not starting with ${RESERVED_ENV_PREFIX}`;
  if (name.startsWith(RESERVED_ENV_PREFIX)) {
    return {
      field,
      value: name,
      allowed,
      hint: `Names starting with ${RESERVED_ENV_PREFIX} are set by runvoy.`,
    };
  }
  if (name === '' || name.length > ENV_NAME_MAX_LENGTH || !ENV_NAME.test(name)) {
    return { field, value: name, allowed };
  }
  return undefined;
}

/** `NAME=VALUE`: the value is everything after the first "=", and may be empty or contain "=". */
export function parseEnvPair(text: string, field = '--env'): EnvVar | ValidationIssue {
  const eq = text.indexOf('=');
  if (eq === -1) {
    return {
      field,
      value: text,
      allowed: 'NAME=VALUE',
      ...(text ? { hint: `For an empty value, pass ${text}=` } : {}),
    };
  }
  const name = text.slice(0, eq);
  return validateEnvName(name, field) ?? { name, value: text.slice(eq + 1) };
}

export interface EnvFileResult {
  vars: EnvVar[];
  issues: ValidationIssue[];
}

/**
 * Reads dotenv syntax: `NAME=VALUE` lines, optional `export `, blank lines and `#` comments. Unquoted values
 * are trimmed and end at " #". 'Single-quoted' values are literal; "double-quoted" values understand
 * \n, \r, \t, \" and \\. Quoted values may span lines. A name set twice is an issue.
 */
export function parseEnvFile(content: string, path: string): EnvFileResult {
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  const vars: EnvVar[] = [];
  const issues: ValidationIssue[] = [];
  const firstLineOf = new Map<string, number>();

  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const field = `--env-file ${path}:${lineNumber}`;
    const line = (lines[i] ?? '').trimStart();
    if (line.trim() === '' || line.startsWith('#')) continue;

    const match = /^(?:export\s+)?([^=\s]*)\s*=(.*)$/s.exec(line);
    if (!match) {
      issues.push({ field, value: line.trim(), allowed: 'NAME=VALUE, a blank line or a # comment' });
      continue;
    }
    const [, name = '', rawValue = ''] = match;
    const nameIssue = validateEnvName(name, field);
    if (nameIssue) {
      issues.push(nameIssue);
      continue;
    }

    const parsed = parseEnvFileValue(rawValue, lines, i);
    i = parsed.lastLine;
    if ('problem' in parsed) {
      issues.push({
        field,
        value: name,
        allowed: 'NAME=VALUE with a properly quoted value',
        hint: parsed.problem,
      });
      continue;
    }
    const earlier = firstLineOf.get(name);
    if (earlier !== undefined) {
      issues.push({
        field,
        value: name,
        allowed: 'each name once per file',
        hint: `${name} is already set on line ${earlier}.`,
      });
      continue;
    }
    firstLineOf.set(name, lineNumber);
    vars.push({ name, value: parsed.value });
  }
  return { vars, issues };
}

type ValueResult = { value: string; lastLine: number } | { problem: string; lastLine: number };

function parseEnvFileValue(raw: string, lines: string[], lineIndex: number): ValueResult {
  const start = raw.trimStart();
  const quote = start[0];
  if (quote !== '"' && quote !== "'") {
    return { value: raw.replace(/\s+#.*$/s, '').trim(), lastLine: lineIndex };
  }

  // A quoted value may continue on the following lines until its closing quote.
  let text = start.slice(1);
  let last = lineIndex;
  for (;;) {
    const close = findClosingQuote(text, quote);
    if (close !== -1) {
      const after = text.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        return { problem: `Unexpected text after the closing ${quote}: ${after}`, lastLine: last };
      }
      const body = text.slice(0, close);
      return { value: quote === '"' ? unescapeDoubleQuoted(body) : body, lastLine: last };
    }
    if (last + 1 >= lines.length) {
      return { problem: `The ${quote} opened on line ${lineIndex + 1} is never closed.`, lastLine: last };
    }
    last += 1;
    text += `\n${lines[last] ?? ''}`;
  }
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unescapeDoubleQuoted(body: string): string {
  return body.replace(/\\(.)/gs, (whole, c: string) => ESCAPES[c] ?? whole);
}

const PARTITION = 'arn:aws(?:-[a-z]+)*';
const REGION = '[a-z]{2,}(?:-[a-z]+)+-\\d+';
const ACCOUNT = '\\d{12}';
const SSM_PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]+$/;
const SSM_PARAMETER_ARN = new RegExp(`^${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[A-Za-z0-9_.\\-/]+$`);
const SECRETS_MANAGER_ARN = new RegExp(
  `^${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[A-Za-z0-9/_+=.@-]+(?::[^:\\s]*:[^:\\s]*:[^:\\s]*)?$`,
);

export function isSecretReference(ref: string): boolean {
  return SSM_PARAMETER_NAME.test(ref) || SSM_PARAMETER_ARN.test(ref) || SECRETS_MANAGER_ARN.test(ref);
}

/**
 * `NAME=REF`: REF is an SSM parameter (a name starting with "/" or its ARN) or a Secrets Manager ARN,
 * optionally ending in :json-key:version-stage:version-id. The value itself never passes through runvoy.
 * An issue never shows what was given after "=" (someone may have typed the secret itself): see
 * hiddenSecretArg.
 */
export function parseSecret(text: string, field = '--secret'): SecretRef | ValidationIssue {
  const allowed =
    'NAME=REF, where REF is an SSM parameter (/path/name or arn:aws:ssm:<region>:<account>:parameter/path/name) ' +
    'or a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key:version-stage:version-id])';
  const shown = hiddenSecretArg(text);
  const eq = text.indexOf('=');
  if (eq === -1) {
    return { field, value: shown, allowed, hint: 'There is no "=" (the value is not shown).' };
  }
  const name = text.slice(0, eq);
  const valueFrom = text.slice(eq + 1);
  const nameIssue = validateEnvName(name, field);
  if (nameIssue) return { ...nameIssue, value: shown };
  if (!isSecretReference(valueFrom)) {
    return { field, value: shown, allowed, hint: `${secretReferenceHint(valueFrom)} ${NOT_THE_VALUE}` };
  }
  return { name, valueFrom };
}

const NOT_THE_VALUE =
  '(The reference is not shown.) Pass where the secret is stored, never the secret itself: ECS reads it when the task starts.';

/** A --secret argument as messages show it: its NAME when it is a well-formed name, nothing of the rest. */
export function hiddenSecretArg(text: string): string {
  const eq = text.indexOf('=');
  if (eq === -1) return '<hidden>';
  const name = text.slice(0, eq);
  return `${ENV_NAME.test(name) && name.length <= ENV_NAME_MAX_LENGTH ? name : '<hidden>'}=<hidden>`;
}

function secretReferenceHint(ref: string): string {
  if (ref === '') return 'The reference is empty.';
  if (/^arn:[^:]*:(?:ssm|secretsmanager):/.test(ref)) {
    return 'Check the partition, region, 12-digit account ID and resource part of the ARN.';
  }
  if (ref.startsWith('/')) return 'SSM parameter names hold only letters, digits, "_", ".", "-" and "/".';
  if (!ref.startsWith('arn:')) {
    return 'An SSM parameter name must start with "/"; otherwise pass the full ARN.';
  }
  return 'Only SSM Parameter Store and Secrets Manager ARNs can be injected as secrets.';
}

/** Names that appear more than once, each reported once, in the order their repeats appear. */
export function findDuplicateNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) duplicates.add(name);
    seen.add(name);
  }
  return [...duplicates];
}

/** One name set twice across --env, --env-file and --secret is refused rather than silently resolved. */
export function validateUniqueNames(
  names: readonly string[],
  field = '--env, --env-file and --secret',
): ValidationIssue | undefined {
  const duplicates = findDuplicateNames(names);
  if (duplicates.length === 0) return undefined;
  return {
    field,
    value: duplicates.join(', '),
    allowed: 'each variable name once',
    hint: `Set ${duplicates.length === 1 ? 'it' : 'each'} in one place only.`,
  };
}
