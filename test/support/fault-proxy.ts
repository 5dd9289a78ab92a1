import { startProxy } from './proxy.js';

/** What the proxy does with one request. */
export type Fault =
  | 'pass'
  /** A 400 ThrottlingException, as CloudWatch Logs sends it: the request never reaches the emulator. */
  | 'throttle'
  /** The connection is reset before the request is forwarded. */
  | 'reset'
  /** The request is carried out by the emulator, then the connection is reset: the answer is lost. */
  | 'lose-answer'
  /** A 400 AccessDeniedException: not worth retrying. */
  | 'deny';

export interface FaultProxy {
  url: string;
  /** Operations seen, in order (X-Amz-Target without the service prefix), with what was done. */
  seen: { operation: string; fault: Fault }[];
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the emulator that injects the faults the emulator cannot produce:
 * throttling and broken connections. `plan(operation, n)` decides for the n-th call (from 1) of each
 * operation.
 */
export async function startFaultProxy(
  target: string,
  plan: (operation: string, n: number) => Fault,
): Promise<FaultProxy> {
  const seen: { operation: string; fault: Fault }[] = [];
  const counts = new Map<string, number>();
  const proxy = await startProxy(target, ({ operation }, actions) => {
    const n = (counts.get(operation) ?? 0) + 1;
    counts.set(operation, n);
    const fault = plan(operation, n);
    seen.push({ operation, fault });
    switch (fault) {
      case 'throttle':
      case 'deny':
        return actions.respond(
          400,
          { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `fault-${seen.length}` },
          JSON.stringify(
            fault === 'throttle'
              ? { __type: 'ThrottlingException', message: 'Rate exceeded' }
              : {
                  __type: 'AccessDeniedException',
                  message: 'User is not authorized to perform: logs:GetLogEvents',
                },
          ),
        );
      case 'reset':
        return actions.reset();
      case 'lose-answer':
        return actions.forward({
          swallow: (answer) => {
            answer.resume();
            answer.on('end', () => actions.reset());
          },
        });
      default:
        return actions.forward();
    }
  });
  return { ...proxy, seen };
}
