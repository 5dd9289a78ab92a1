import { ExitCode, RunvoyError } from '../core/errors.js';
import { leastRoleWith } from '../core/permissions.js';
import { ORIGIN, type AwsErrorOrigin } from './call-observer.js';
import { endpointFromEnv } from './clients.js';
import { REFUSAL_BODY } from './refusal-body.js';
import { isTransient } from './logs.js';
import { isAwsUnresponsive, type AwsUnresponsiveError } from './watchdog.js';

interface SdkError extends Error {
  $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number };
  $fault?: 'client' | 'server';
  code?: string;
  [ORIGIN]?: AwsErrorOrigin;
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const EXPIRED_MESSAGE = /token (has |is )?expired|sso session.*(has )?expired|session token.*expired/i;
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
]);
/** Refusals by IAM policy, as opposed to credentials that AWS does not recognise. */
const POLICY_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** Turns anything thrown by the SDK into a RunvoyError that says what, why, and what to do. */
export function toRunvoyError(error: unknown): RunvoyError {
  if (error instanceof RunvoyError) return error;
  const err = (error instanceof Error ? error : new Error(String(error))) as SdkError;
  const origin = err[ORIGIN];
  const requestId = err.$metadata?.requestId;
  const where = origin ? `AWS ${origin.service} ${origin.operation}` : 'An AWS call';
  const idText = requestId ? ` (request ID ${requestId})` : '';
  const data = { service: origin?.service, operation: origin?.operation, requestId, awsError: err.name };

  if (/region is missing/i.test(err.message)) {
    return new RunvoyError({
      what: 'No AWS region is set.',
      why: 'runvoy needs a region to find your stack, and none came from --region, RUNVOY_REGION, AWS_REGION, the config file or your AWS profile.',
      fix: 'Pass --region us-east-1, export AWS_REGION, or run `runvoy config set region us-east-1`.',
      exitCode: ExitCode.Usage,
      code: 'NO_REGION',
    });
  }
  if (EXPIRED.has(err.name) || EXPIRED_MESSAGE.test(err.message)) {
    return new RunvoyError({
      what: origin ? `${where} was refused: your AWS session has expired.` : 'Your AWS session has expired.',
      why: `${err.name}: ${err.message}${idText}`,
      fix: 'Refresh your credentials (for SSO: `aws sso login --profile NAME`) and run the command again.',
      code: 'EXPIRED_CREDENTIALS',
      data,
    });
  }
  if (CREDENTIAL_ERRORS.has(err.name) || /could not load credentials/i.test(err.message)) {
    return new RunvoyError({
      what: 'No AWS credentials were found.',
      why: err.message,
      fix: 'Sign in as you would for the AWS CLI: `aws sso login --profile NAME` then pass --profile NAME, or export AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. Check with `runvoy doctor`.',
      code: 'NO_CREDENTIALS',
      data,
    });
  }
  const refusal = POLICY_DENIED.has(err.name) ? err : xmlRefusal(err);
  const denial = refusal ? parseDenial(refusal.message) : undefined;
  if (refusal && denial) return policyDenied(refusal, denial, where, idText, data);
  if (DENIED.has(err.name)) {
    const action = origin ? `${serviceActionPrefix(origin.service)}:${origin.operation}` : 'the action';
    return new RunvoyError({
      what: `${where} was denied${idText}.`,
      why: `${err.name}: ${err.message}`,
      fix: `Ask an administrator to grant ${action} to your identity; docs/permissions.md lists what runvoy needs. \`runvoy doctor\` shows who you are signed in as.`,
      code: 'ACCESS_DENIED',
      data,
    });
  }
  if (THROTTLED.has(err.name)) {
    return new RunvoyError({
      what: `${where} was throttled${idText}, even after ${err.$metadata?.attempts ?? 'several'} attempts with backoff.`,
      why: `${err.name}: ${err.message}`,
      fix: 'Wait a minute and run the command again; if it persists, ask for a higher API rate limit in Service Quotas.',
      code: 'THROTTLED',
      data,
    });
  }
  if (isAwsUnresponsive(err)) return unresponsiveError(err, data);
  const netCode = networkCode(err);
  if (netCode || err.name === 'TimeoutError' || err.name === 'RequestTimeout') {
    const endpoint = (origin && endpointFromEnv(origin.service)) ?? 'the AWS endpoint';
    return new RunvoyError({
      what: `${where} could not reach ${endpoint}.`,
      why: `${netCode ?? err.name}: ${err.message}`,
      fix: 'Check your network or proxy, and AWS_ENDPOINT_URL if you set one, then run the command again.',
      code: 'NETWORK',
      data,
    });
  }
  if (err.name === 'SyntaxError' || /Deserialization error|Unexpected token/i.test(err.message)) {
    return new RunvoyError({
      what: `${where} returned a response that is not an AWS response${idText}.`,
      why: `HTTP ${err.$metadata?.httpStatusCode ?? 'unknown status'}: ${err.message.split('\n')[0]}`,
      fix: 'If you point AWS_ENDPOINT_URL at an emulator, read its log for the error; otherwise run again with --debug and report it.',
      code: 'BAD_RESPONSE',
      data,
    });
  }
  return new RunvoyError({
    what: `${where} failed${idText}.`,
    why: `${err.name}: ${err.message}`,
    fix:
      err.$fault === 'server'
        ? 'AWS had a server-side problem; run the command again in a moment.'
        : 'Read the reason above; run again with --debug to see every AWS call.',
    code: 'AWS_ERROR',
    data,
    cause: err,
  });
}

/** An endpoint that took the request (or not) and never answered, within aws.timeout. */
export function unresponsiveError(
  err: AwsUnresponsiveError,
  data: Record<string, unknown> = {},
): RunvoyError {
  const seconds = Math.round(err.timeoutMs / 1000);
  const where = `${err.endpoint}${err.region ? ` (${err.region})` : ''}`;
  return new RunvoyError({
    what: `AWS ${err.service} did not answer: ${err.operation} got no answer from ${where} within ${seconds}s.`,
    why:
      err.waitedMs > 0
        ? `runvoy waits up to aws.timeout (${seconds}s) for an answer, retrying a request that gets none; this endpoint sent nothing back in that time.`
        : `Nothing had answered for aws.timeout (${seconds}s) in this command, so the request was not sent.`,
    fix: `Check your network, VPN or proxy${endpointHint(err)}, then run the command again. To wait longer, set RUNVOY_AWS_TIMEOUT=120s or run \`runvoy config set aws.timeout 120s\`.`,
    code: 'AWS_UNRESPONSIVE',
    data: { ...data, endpoint: err.endpoint, region: err.region, timeoutMs: err.timeoutMs },
  });
}

function endpointHint(err: AwsUnresponsiveError): string {
  return /\.amazonaws\.com(\.cn)?$/.test(err.endpoint)
    ? ''
    : `, and that something answers at ${err.endpoint} (your AWS_ENDPOINT_URL)`;
}

/**
 * How a failed call bears on a long wait (an attached run, `logs --follow`): `unresponsive` (the endpoint
 * answered nothing for aws.timeout: give up now), `transient` (throttling, a server error, a broken
 * connection: worth trying again for a while), `other` (an AWS refusal, such as an expired session), or
 * undefined when it did not come from AWS at all (a bug, to be thrown as it is).
 */
export function awsFailureKind(error: unknown): 'unresponsive' | 'transient' | 'other' | undefined {
  if (isAwsUnresponsive(error)) return 'unresponsive';
  if (!error || typeof error !== 'object' || error instanceof RunvoyError) return undefined;
  const err = error as SdkError;
  if (!(ORIGIN in err) && !('$metadata' in err) && !networkCode(err)) return undefined;
  return isTransient(err) ? 'transient' : 'other';
}

function networkCode(err: SdkError): string | undefined {
  const candidates = [err.code, (err.cause as { code?: string } | undefined)?.code];
  return candidates.find((c): c is string => typeof c === 'string' && NETWORK_CODES.has(c));
}

function serviceActionPrefix(service: string): string {
  const prefixes: Record<string, string> = {
    ECS: 'ecs',
    DynamoDB: 'dynamodb',
    CloudWatchLogs: 'logs',
    STS: 'sts',
    CloudFormation: 'cloudformation',
    Scheduler: 'scheduler',
  };
  return prefixes[service] ?? service.toLowerCase();
}

/**
 * A policy refusal answered in XML to a JSON request (moto enforcing IAM does this; the SDK then fails to
 * parse the body; src/aws/refusal-body.ts keeps it).
 */
function xmlRefusal(err: SdkError): { name: string; message: string } | undefined {
  const response = (err as { $response?: { [REFUSAL_BODY]?: unknown } }).$response;
  const body = response?.[REFUSAL_BODY];
  if (typeof body !== 'string') return undefined;
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (!code || !POLICY_DENIED.has(code) || message === undefined) return undefined;
  return { name: code, message: decodeXmlText(message) };
}

function decodeXmlText(text: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => entities[name] ?? '');
}

export interface Denial {
  /** The IAM action, as AWS names it in the message (`dynamodb:UpdateItem`). */
  action: string;
  resource?: string;
  /** Who was refused (a user or assumed-role ARN). */
  principal?: string;
}

/**
 * Reads what was denied from an AWS refusal: "User: ARN is not authorized to perform: ACTION on resource:
 * RESOURCE because no identity-based policy allows the ACTION action" (the resource and the reason are
 * missing from some services' messages, and from moto's).
 */
export function parseDenial(message: string): Denial | undefined {
  const action = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
  if (!action) return undefined;
  const resource = /on resource:?\s+(\S+?)(?=\s+because|\s+with an explicit|[\s,;]*$)/.exec(message)?.[1];
  const principal = /User:\s+(arn:\S+?)(?=\s+is not authorized)/.exec(message)?.[1];
  return { action, ...(resource ? { resource } : {}), ...(principal ? { principal } : {}) };
}

/** What an IAM policy refused, when `error` is such a refusal (raw from the SDK or already mapped). */
export function policyDenial(error: unknown): Denial | undefined {
  if (error instanceof RunvoyError) {
    const action = error.code === 'ACCESS_DENIED' ? error.data?.action : undefined;
    return typeof action === 'string' ? { action } : undefined;
  }
  if (!error || typeof error !== 'object') return undefined;
  const err = error as SdkError;
  const refusal = POLICY_DENIED.has(err.name) ? err : xmlRefusal(err);
  return refusal ? parseDenial(refusal.message) : undefined;
}

function policyDenied(
  err: { name: string; message: string },
  denial: Denial,
  where: string,
  idText: string,
  data: Record<string, unknown>,
): RunvoyError {
  const on = denial.resource ? ` on ${denial.resource}` : '';
  const explicit = /explicit deny/i.test(err.message);
  const role = leastRoleWith(denial.action);
  return new RunvoyError({
    what: `${where} was denied${idText}: ${denial.principal ?? 'your identity'} may not ${denial.action}${on}.`,
    why: `${explicit ? `A policy explicitly denies ${denial.action} to your identity` : `No IAM policy of your identity allows ${denial.action}${on}`} (${err.name}: ${err.message}).`,
    fix: `Ask an administrator to grant ${denial.action} to your identity${
      role
        ? `: \`runvoy iam policy --role ${role}\` prints the policy of the runvoy role that allows it (docs/permissions.md has the table of commands and roles)`
        : ''
    }. \`runvoy doctor\` shows who you are signed in as.`,
    code: 'ACCESS_DENIED',
    data: {
      ...data,
      awsError: err.name,
      action: denial.action,
      resource: denial.resource,
      principal: denial.principal,
      leastRole: role,
    },
  });
}
