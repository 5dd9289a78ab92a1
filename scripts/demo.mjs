#!/usr/bin/env node
// npm run demo: start the moto emulator, then init, doctor and a locked run against it. Whatever way it
// ends (done, a step failing, Ctrl-C), it stops the emulator (its whole process group) and removes its
// temporary folder, and exits: 0 when every step worked, 1 when one failed, 130 when interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/**
 * moto_server serves requests on threads, and its DynamoDB transactions are not atomic across threads
 * (see test/support/moto-server.ts): the demo runs the same moto app on one thread, as the tests do, and
 * falls back to `moto_server` when its Python cannot be imported from `python3`.
 */
const SERIAL_MOTO = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app',
  'app = DomainDispatcherApplication(create_backend_app)',
  'run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False)',
].join('\n');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything the demo writes: the CLI's config and cache, and the emulator's log. Removed at the end. */
const work = mkdtempSync(join(tmpdir(), 'runvoy-demo-'));
/** @type {import('node:child_process').ChildProcess | undefined} */
let moto;
/** @type {import('node:child_process').ChildProcess | undefined} */
let current;
let interrupted = false;

function onSignal(signal) {
  if (interrupted) return;
  interrupted = true;
  console.error(`\n${signal}: stopping the demo.`);
  // From a terminal the running step got the signal too (same process group), and a second SIGINT would
  // make `runvoy run` quit without detaching: it is only passed on if the step has not ended by itself.
  const step = current;
  if (!step) return;
  setTimeout(() => !ended(step) && step.kill('SIGINT'), 2_000).unref();
  setTimeout(() => !ended(step) && step.kill('SIGKILL'), 10_000).unref();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

/** Whether the emulator's process (group leader) has ended. */
const ended = (child) => child.exitCode !== null || child.signalCode !== null;

/** Signals moto's whole process group (it runs in its own, so that a terminal's Ctrl-C is ours to handle). */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

/** Stops moto: SIGTERM to its group, SIGKILL after 5 s, then SIGKILL to anything left in the group. */
async function stopMoto() {
  if (!moto) return;
  const child = moto;
  if (!ended(child)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  signalGroup(child, 'SIGKILL');
}

async function startMoto() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serial = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
  const [command, args] = serial
    ? ['python3', ['-c', SERIAL_MOTO, '127.0.0.1', String(port)]]
    : ['moto_server', ['-H', '127.0.0.1', '-p', String(port)]];
  // moto logs every request; into a file, which never fills up as an unread pipe would.
  const logFile = join(work, 'moto.log');
  const log = openSync(logFile, 'w');
  moto = spawn(command, args, {
    stdio: ['ignore', log, log],
    detached: true,
    env: { ...process.env, MOTO_PORT: String(port) },
  });
  closeSync(log);
  const failed = new Promise((_, reject) => moto.once('error', reject));
  failed.catch(() => undefined);
  for (let i = 0; i < 300 && !interrupted; i++) {
    if (ended(moto)) break;
    try {
      await Promise.race([fetch(`${url}/moto-api/`), failed]);
      return url;
    } catch {
      await sleep(100);
    }
  }
  if (interrupted) return url;
  throw new Error(`the emulator did not start: ${readFileSync(logFile, 'utf8').slice(-2_000)}`);
}

async function motoApi(url, path, body) {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`moto ${path} answered ${res.status}: ${await res.text()}`);
}

/** One runvoy command, its output on this terminal; resolves with its exit code. */
function runvoy(env, args) {
  return new Promise((resolve, reject) => {
    current = spawn(process.execPath, [bin, ...args], { env, stdio: 'inherit' });
    current.once('error', reject);
    current.once('close', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function demo() {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status !== 0) {
    console.error('moto_server is not installed: pip install "moto[server]==5.2.1"');
    return 1;
  }
  const url = await startMoto();
  if (interrupted) return 130;
  // Tasks stop at once: the emulator runs no container.
  await motoApi(url, '/moto-api/state-manager/set-transition', {
    model_name: 'ecs::task',
    transition: { progression: 'immediate' },
  });
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    RUNVOY_CONFIG_DIR: join(work, 'config'),
  };
  console.log(`AWS emulator (moto, pid ${moto.pid}) at ${url}. NOTE: no container executes in the emulator;`);
  console.log(
    "it records the task and reports it stopped, so you see runvoy's whole flow but not the command's output.",
  );
  const steps = [
    [
      'deploy the stack (default VPC: moto cannot run tasks in a VPC it made)',
      ['init', '--yes', '--vpc', 'default'],
    ],
    ['check everything', ['doctor']],
    [
      'run a command behind a lock',
      [
        'run',
        '--image',
        'public.ecr.aws/docker/library/alpine:3.20',
        '--lock',
        'demo',
        '--',
        'echo',
        'hello',
      ],
    ],
    ['the lock is free again, with fence 1', ['locks', 'list']],
  ];
  let runCode;
  for (const [title, args] of steps) {
    console.log(`\n$ runvoy ${args.join(' ')}    # ${title}`);
    const code = await runvoy(env, args);
    if (interrupted) return 130;
    if (args[0] === 'run') runCode = code;
    if (code !== 0) {
      console.error(`\n\`runvoy ${args.join(' ')}\` exited ${code}: the demo stops here.`);
      return 1;
    }
  }
  console.log(`\nThe run exited ${runCode}. Done; the emulator stops now.`);
  return 0;
}

let exitCode;
try {
  exitCode = await demo();
} catch (error) {
  console.error(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await stopMoto();
  rmSync(work, { recursive: true, force: true });
}
process.exit(interrupted ? 130 : exitCode);
