import { ExitCode, RunvoyError } from '../core/errors.js';
import { ORIGIN, type AwsErrorOrigin } from './call-observer.js';
import { endpointFromEnv } from './clients.js';

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
