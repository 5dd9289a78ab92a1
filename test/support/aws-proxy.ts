import { startProxy } from './proxy.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** `Service.Operation` from X-Amz-Target, or `Action` from a query/form body. */
  operation: string;
  startedAt: number;
}

export interface AwsProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the emulator that records every AWS request and can add latency,
 * to count round trips and prove that bad input sends nothing.
 */
export async function startAwsProxy(target: string, options: { delayMs?: number } = {}): Promise<AwsProxy> {
  const requests: ProxiedRequest[] = [];
  const proxy = await startProxy(target, (request, actions) => {
    if (!request.path.startsWith('/moto-api')) {
      requests.push({
        method: request.method,
        path: request.path,
        operation: request.target,
        startedAt: Date.now(),
      });
    }
    actions.forward({ delayMs: options.delayMs });
  });
  return { ...proxy, requests };
}
