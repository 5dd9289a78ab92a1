import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOTO_INSTALL_HINT =
  'moto_server was not found on PATH. The integration and e2e tests run against the real AWS emulator: install it with `pip install "moto[server]==5.2.1"` and run the tests again.';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function motoInstalled(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export interface RunningMoto {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * moto_server serves requests on threads, and its DynamoDB transactions are not atomic across threads:
 * a failed TransactWriteItems restores a snapshot of the table taken when it began, wiping what other
 * transactions wrote meanwhile (seen as two winners of one lock, and records of transactions that
 * failed). AWS serialises transactions. So the tests run the same moto 5.2.1 server app on one thread
 * (one request at a time, as `moto_server` would with `threaded=False`), and fall back to `moto_server`
 * when its Python cannot be imported from `python3`.
 */
const SERIAL_MOTO = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app',
  'app = DomainDispatcherApplication(create_backend_app)',
  'run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False)',
].join('\n');

function serialMotoAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts the emulator on a free loopback port and waits until it answers. `env` adds to its environment
 * (moto reads settings such as INITIAL_NO_AUTH_ACTION_COUNT from it).
 */
export async function startMoto(options: { env?: Record<string, string> } = {}): Promise<RunningMoto> {
  if (!motoInstalled()) throw new Error(MOTO_INSTALL_HINT);
  const port = await freePort();
  const [command, args] = serialMotoAvailable()
    ? ['python3', ['-c', SERIAL_MOTO, '127.0.0.1', String(port)]]
    : ['moto_server', ['-H', '127.0.0.1', '-p', String(port)]];
  // moto logs a line to stderr for every request. Into a pipe, those lines block moto once the pipe is
  // full and the parent is not reading it, which is the case while a bench waits in spawnSync: moto hung
  // after a few hundred requests. A file never fills.
  const logDir = mkdtempSync(join(tmpdir(), 'runvoy-moto-'));
  const logFile = join(logDir, 'stderr.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', logFd],
    env: { ...process.env, MOTO_ENABLE_ISO_REGIONS: 'true', MOTO_PORT: String(port), ...options.env },
  });
  closeSync(logFd);
  const stderr = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  const removeLog = () => rmSync(logDir, { recursive: true, force: true });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = stderr();
      removeLog();
      throw new Error(`moto_server exited with ${child.exitCode}: ${log}`);
    }
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = stderr();
      child.kill('SIGTERM');
      removeLog();
      throw new Error(`moto_server did not start within 30 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }).finally(removeLog),
  };
}
