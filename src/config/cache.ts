import Conf from 'conf';
import { createHash } from 'node:crypto';
import { configDir } from './paths.js';

interface Entry<T> {
  value: T;
  savedAt: number;
}

/**
 * A cache next to the config file (cache.json, mode 0600). It never holds credentials: identities are
 * keyed by a hash of the access key ID, which is how a warm run knows who it is without calling STS.
 */
export class Cache {
  private readonly conf: Conf<Record<string, unknown>>;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.conf = new Conf<Record<string, unknown>>({
      projectName: 'runvoy',
      cwd: configDir(env),
      configName: 'cache',
      configFileMode: 0o600,
      clearInvalidConfig: true,
      accessPropertiesByDotNotation: false,
    });
  }

  get<T>(key: string, maxAgeMs: number, now = Date.now()): T | undefined {
    const entry = this.conf.get(key) as Entry<T> | undefined;
    if (!entry || typeof entry.savedAt !== 'number' || now - entry.savedAt > maxAgeMs) return undefined;
    return entry.value;
  }

  set<T>(key: string, value: T, now = Date.now()): void {
    this.conf.set(key, { value, savedAt: now } satisfies Entry<T>);
  }

  delete(key: string): void {
    this.conf.delete(key);
  }
}

export function hashKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
