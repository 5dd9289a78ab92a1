import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';

/** One request as a proxy in front of the emulator receives it, body read in full. */
export interface InterceptedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `Service.Operation` from X-Amz-Target, else `Action` from the query or form body, else the path. */
  target: string;
  /** The operation alone: the part of `target` after the dot. */
  operation: string;
}

/** What a proxy's handler can do with a request; it does exactly one of these, or nothing (the request hangs). */
export interface ProxyActions {
  /**
   * Sends the request on to the emulator. The answer goes back to the caller, unless `swallow` is
   * given: then it gets the answer and the caller gets nothing. `onAnswer` is told the answer's status
   * once the emulator has answered (the caller may have gone by then).
   */
  forward(options?: {
    delayMs?: number;
    swallow?: (answer: IncomingMessage) => void;
    onAnswer?: (status: number) => void;
  }): void;
  /** Answers without asking the emulator. */
  respond(status: number, headers: Record<string, string | number>, payload: string): void;
  /** Breaks the caller's connection. */
  reset(): void;
}

export interface RunningProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the emulator, for what the emulator cannot do by itself: count and
 * delay requests (aws-proxy.ts), inject faults (fault-proxy.ts), kill the CLI at an exact request
 * (kill-proxy.ts). `handle` sees each request and decides with `actions`.
 */
export async function startProxy(
  upstreamUrl: string,
  handle: (request: InterceptedRequest, actions: ProxyActions) => void,
): Promise<RunningProxy> {
  const upstream = new URL(upstreamUrl);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const target = targetOf(req.headers, path, body);
      const request: InterceptedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body,
        target,
        operation:
          typeof req.headers['x-amz-target'] === 'string' ? (target.split('.').pop() ?? target) : target,
      };
      const send = (swallow?: (answer: IncomingMessage) => void, onAnswer?: (status: number) => void) => {
        const out = httpRequest(
          { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
          (answer) => {
            onAnswer?.(answer.statusCode ?? 502);
            if (swallow) return swallow(answer);
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
      handle(request, {
        forward: ({ delayMs, swallow, onAnswer } = {}) => {
          if (delayMs) setTimeout(() => send(swallow, onAnswer), delayMs);
          else send(swallow, onAnswer);
        },
        respond: (status, headers, payload) => {
          res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(payload) });
          res.end(payload);
        },
        reset: () => req.socket.destroy(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function targetOf(headers: IncomingHttpHeaders, path: string, body: Buffer): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target;
  const query = new URL(path, 'http://x').searchParams.get('Action');
  if (query) return query;
  return new URLSearchParams(body.toString()).get('Action') ?? path;
}
