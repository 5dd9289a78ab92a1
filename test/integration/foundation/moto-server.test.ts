import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startMoto, type RunningMoto } from '../../support/moto-server.js';

let moto: RunningMoto | undefined;
afterEach(async () => {
  await moto?.stop();
  moto = undefined;
});

describe('startMoto', () => {
  it('keeps answering while the parent blocks in spawnSync for hundreds of requests', async () => {
    moto = await startMoto();
    // One child makes 600 requests while this process waits in spawnSync and reads nothing: moto's
    // per-request log lines must not fill a pipe to this process (moto hung after about 280).
    const client = [
      'const url = process.argv[1];',
      '(async () => {',
      '  for (let i = 0; i < 600; i++) {',
      '    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });',
      '    await res.arrayBuffer();',
      '    if (!res.ok) throw new Error(`request ${i}: HTTP ${res.status}`);',
      '  }',
      "  process.stdout.write('600 answered');",
      '})().catch((error) => { process.stdout.write(String(error)); process.exit(1); });',
    ].join('\n');
    const result = spawnSync(process.execPath, ['-e', client, `${moto.url}/moto-api/`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stdout).toBe('600 answered');
    expect(result.status).toBe(0);
  });
});
