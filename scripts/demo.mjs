#!/usr/bin/env node
// npm run demo: start the moto emulator, then init, doctor and a locked run against it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/run.js', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status !== 0) {
  console.error('moto_server is not installed: pip install "moto[server]==5.2.1"');
  process.exit(1);
}
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
process.on('exit', () => moto.kill());
for (let i = 0; i < 100; i++) {
  try {
    await fetch(`${url}/moto-api/`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
// Tasks stop at once: the emulator runs no container.
await fetch(`${url}/moto-api/state-manager/set-transition`, {
  method: 'POST',
  body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'immediate' } }),
});

const env = {
  ...process.env,
  AWS_ENDPOINT_URL: url,
  AWS_ACCESS_KEY_ID: 'demo',
  AWS_SECRET_ACCESS_KEY: 'demo',
  AWS_REGION: 'us-east-1',
  RUNVOY_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'runvoy-demo-')),
};
const step = (title, args) => {
  console.log(`\n$ runvoy ${args.join(' ')}    # ${title}`);
  const result = spawnSync(process.execPath, [bin, ...args], { env, stdio: 'inherit' });
  return result.status;
};

console.log(`AWS emulator (moto) at ${url}. NOTE: no container executes in the emulator; it records the`);
console.log("task and reports it stopped, so you see runvoy's whole flow but not the command's output.");
step('deploy the stack (default VPC: moto cannot run tasks in a VPC it made)', [
  'init',
  '--yes',
  '--vpc',
  'default',
]);
step('check everything', ['doctor']);
const code = step('run a command behind a lock', [
  'run',
  '--image',
  'public.ecr.aws/docker/library/alpine:3.20',
  '--lock',
  'demo',
  '--',
  'echo',
  'hello',
]);
step('the lock is free again, with fence 1', ['locks', 'list']);
console.log(`\nThe run exited ${code}. Done; the emulator stops now.`);
