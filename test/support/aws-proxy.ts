import { createServer, request as httpRequest, type Server } from 'node:http';

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
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (!path.startsWith('/moto-api')) {
        requests.push({
          method: req.method ?? 'GET',
          path,
          operation: operationOf(req.headers, path, body),
          startedAt: Date.now(),
        });
      }
      const forward = () => {
        const out = httpRequest(
          { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        out.end(body);
      };
      if (options.delayMs) setTimeout(forward, options.delayMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function operationOf(
  headers: Record<string, string | string[] | undefined>,
  path: string,
  body: Buffer,
): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target;
  const query = new URL(path, 'http://x').searchParams.get('Action');
  if (query) return query;
  const form = new URLSearchParams(body.toString()).get('Action');
  return form ?? `${path}`;
}
