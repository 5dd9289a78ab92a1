/** Exit codes of SPEC section 3. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  LockHeld: 3,
  StackNotFound: 4,
  OverBudget: 5,
  TimedOut: 124,
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** What happened, one sentence. */
  what: string;
  /** Why it happened, when known. */
  why?: string;
  /** What the user can do about it. */
  fix?: string;
  exitCode?: number;
  /** A stable machine-readable code for --json consumers. */
  code?: string;
  /** Extra fields for --json output. */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** Every error the user can hit is one of these: what, why, what to do, and an exit code. */
export class RunvoyError extends Error {
  readonly what: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: number;
  readonly code: string;
  readonly data: Record<string, unknown> | undefined;

  constructor(details: ErrorDetails) {
    super(details.what, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RunvoyError';
    this.what = details.what;
    this.why = details.why;
    this.fix = details.fix;
    this.exitCode = details.exitCode ?? ExitCode.Failure;
    this.code = details.code ?? 'RUNTIME_ERROR';
    this.data = details.data;
  }
}

/** Bad input, refused before any AWS request: exit 2. */
export class UsageError extends RunvoyError {
  constructor(details: Omit<ErrorDetails, 'exitCode'>) {
    super({ ...details, code: details.code ?? 'USAGE', exitCode: ExitCode.Usage });
    this.name = 'UsageError';
  }
}

/** One bad value: names the flag (or config key), the value and what is allowed. */
export interface ValidationIssue {
  field: string;
  value: string;
  allowed: string;
  hint?: string;
}

export function describeIssue(issue: ValidationIssue): string {
  const hint = issue.hint ? ` ${issue.hint}` : '';
  return `${issue.field}: ${JSON.stringify(issue.value)} is not valid. Allowed: ${issue.allowed}.${hint}`;
}

export function validationError(issues: ValidationIssue[]): UsageError {
  const [first] = issues;
  if (!first) throw new Error('validationError needs at least one issue');
  return new UsageError({
    code: 'VALIDATION',
    what: issues.length === 1 ? describeIssue(first) : `${issues.length} values are not valid.`,
    why: issues.length === 1 ? undefined : issues.map(describeIssue).join('\n'),
    fix: 'Correct the value and run the command again. Nothing was sent to AWS.',
    data: { issues },
  });
}
