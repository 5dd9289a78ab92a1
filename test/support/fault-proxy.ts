import { createServer, request as httpRequest, type Server } from 'node:http';

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
  const upstream = new URL(target);
  const seen: { operation: string; fault: Fault }[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' ? (target.split('.').pop() ?? target) : (req.url ?? '/');
      const n = (counts.get(operation) ?? 0) + 1;
      counts.set(operation, n);
      const fault = plan(operation, n);
      seen.push({ operation, fault });
      if (fault === 'throttle' || fault === 'deny') {
        const payload = JSON.stringify(
          fault === 'throttle'
            ? { __type: 'ThrottlingException', message: 'Rate exceeded' }
            : {
                __type: 'AccessDeniedException',
                message: 'User is not authorized to perform: logs:GetLogEvents',
              },
        );
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `fault-${seen.length}`,
          'content-length': Buffer.byteLength(payload),
        });
        res.end(payload);
        return;
      }
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          if (fault === 'lose-answer') {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
