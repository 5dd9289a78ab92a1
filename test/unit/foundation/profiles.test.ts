import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { profileExists } from '../../../src/aws/profiles.js';
import { patchEnv } from './helpers.js';

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('profileExists', () => {
  it('finds a profile in the config file ([profile x]) or the credentials file ([x]), and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runvoy-profiles-'));
    writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n');
    writeFileSync(join(dir, 'credentials'), '[ci]\naws_access_key_id = A\naws_secret_access_key = B\n');
    restore = patchEnv({
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    });
    expect(await profileExists('dev')).toBe(true);
    expect(await profileExists('ci')).toBe(true);
    expect(await profileExists('default')).toBe(true);
    expect(await profileExists('nope')).toBe(false);
  });

  it('no files: no profile exists', async () => {
    restore = patchEnv({ AWS_CONFIG_FILE: '/nonexistent/a', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/b' });
    expect(await profileExists('dev')).toBe(false);
  });
});
