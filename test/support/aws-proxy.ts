import { startProxy } from './proxy.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** `Service.Operation` from X-Amz-Target, or `Action` from a query/form body. */
  operation: string;
  /** The IAM action the request needs, e.g. `dynamodb:Query` (see `iamActionOf`). */
  iamAction: string;
  startedAt: number;
  /** The request body as sent (JSON for the JSON protocols), to compare what two runs asked for. */
  body: string;
}

/** REST operations (no X-Amz-Target, no Action) by service, method and path. */
const REST_OPERATIONS: Record<string, Array<[method: string, path: RegExp, operation: string]>> = {
  scheduler: [
    ['POST', /^\/schedules\/[^/?]+/, 'CreateSchedule'],
    ['PUT', /^\/schedules\/[^/?]+/, 'UpdateSchedule'],
    ['DELETE', /^\/schedules\/[^/?]+/, 'DeleteSchedule'],
    ['GET', /^\/schedules\/[^/?]+/, 'GetSchedule'],
    ['GET', /^\/schedules(\?|$)/, 'ListSchedules'],
    ['POST', /^\/schedule-groups\/[^/?]+/, 'CreateScheduleGroup'],
    ['DELETE', /^\/schedule-groups\/[^/?]+/, 'DeleteScheduleGroup'],
    ['GET', /^\/schedule-groups\/[^/?]+/, 'GetScheduleGroup'],
    ['GET', /^\/schedule-groups(\?|$)/, 'ListScheduleGroups'],
  ],
};

/**
 * The IAM action of a signed AWS request: the service is the signing name in the Authorization header's
 * credential scope (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), the operation is the one of
 * X-Amz-Target or the Action parameter, or for REST APIs the method and path.
 */
export function iamActionOf(request: {
  method: string;
  path: string;
  headers: Record<string, unknown>;
  target: string;
}): string {
  const auth = String(request.headers.authorization ?? '');
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
  if (typeof request.headers['x-amz-target'] === 'string' || !request.target.startsWith('/')) {
    return `${service}:${request.target.split('.').pop() ?? request.target}`;
  }
  const rest = (REST_OPERATIONS[service] ?? []).find(
    ([method, path]) => method === request.method && path.test(request.path),
  );
  return `${service}:${rest?.[2] ?? `${request.method} ${request.path}`}`;
}

export interface AwsProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the emulator that records every AWS request (and its body) and can
 * add latency, to count round trips, prove that bad input sends nothing, and compare what was sent.
 */
export async function startAwsProxy(target: string, options: { delayMs?: number } = {}): Promise<AwsProxy> {
  const requests: ProxiedRequest[] = [];
  const proxy = await startProxy(target, (request, actions) => {
    if (!request.path.startsWith('/moto-api')) {
      requests.push({
        method: request.method,
        path: request.path,
        operation: request.target,
        iamAction: iamActionOf(request),
        startedAt: Date.now(),
        body: request.body.toString('utf8'),
      });
    }
    actions.forward({ delayMs: options.delayMs });
  });
  return { ...proxy, requests };
}
