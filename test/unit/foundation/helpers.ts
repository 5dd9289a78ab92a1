import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Replaces process.env entries for one test and returns a function that puts everything back.
 * `clearAws` also removes every AWS_* variable so that the developer's own AWS setup cannot leak in.
 */
export function patchEnv(vars: Record<string, string | undefined>, options: { clearAws?: boolean } = {}) {
  const saved = { ...process.env };
  if (options.clearAws) {
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  }
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    for (const [name, value] of Object.entries(saved)) process.env[name] = value;
  };
}

/** An environment with test credentials and no profile files, so the SDK never looks at the machine's AWS setup. */
export function isolatedAwsEnv(
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: '/nonexistent/runvoy-foundation-test-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/runvoy-foundation-test-aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export function tempDir(prefix = 'runvoy-foundation-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A port nothing listens on (the discard port, closed on these machines): connections are refused. */
export const DEAD_ENDPOINT = 'http://127.0.0.1:9';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  target: string | undefined;
  body: string;
}

export interface FakeAws {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * A tiny loopback HTTP server standing in for an AWS endpoint, for answers the emulator cannot give
 * (an AccessDeniedException, an HTML page) or for never answering at all ('hang').
 */
export async function startFakeAws(answer: (request: FakeRequest) => FakeAnswer | 'hang'): Promise<FakeAws> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        target: typeof target === 'string' ? target : undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = answer(request);
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An AWS JSON-protocol error answer, as ECS, DynamoDB or CloudWatch Logs send it. */
export function jsonError(type: string, message: string, status = 400, requestId = 'req-1'): FakeAnswer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: type, message }),
  };
}
