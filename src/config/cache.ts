import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir } from './paths.js';

interface Entry<T> {
  value: T;
  savedAt: number;
}

/**
 * A cache next to the config file (cache.json, mode 0600). It never holds credentials: identities are
 * keyed by a hash of the access key ID, which is how a warm run knows who it is without calling STS.
 * It is plain JSON written atomically (temp file, then rename): `conf` would cost every run ~45 ms to
 * load, and its exit hook re-sends SIGINT, which would turn one Ctrl-C into two.
 */
export class Cache {
  private readonly dir: string;
  private readonly path: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.dir = configDir(env);
    this.path = join(this.dir, 'cache.json');
  }

  get<T>(key: string, maxAgeMs: number, now = Date.now()): T | undefined {
    const entry = this.read()[key] as Entry<T> | undefined;
    if (!entry || typeof entry.savedAt !== 'number' || now - entry.savedAt > maxAgeMs) return undefined;
    return entry.value;
  }

  set<T>(key: string, value: T, now = Date.now()): void {
    this.write({ ...this.read(), [key]: { value, savedAt: now } satisfies Entry<T> });
  }

  delete(key: string): void {
    const doc = this.read();
    if (!(key in doc)) return;
    delete doc[key];
    this.write(doc);
  }

  /** A missing or unreadable cache is an empty one: it only ever saves round trips. */
  private read(): Record<string, unknown> {
    try {
      const doc: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  private write(doc: Record<string, unknown>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.path);
  }
}

export function hashKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
