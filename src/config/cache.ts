import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, configDir } from './paths.js';

interface Entry<T> {
  value: T;
  savedAt: number;
}

/**
 * The cache (cache.json, mode 0600) in the cache directory (see `cacheDir`), apart from the config. It
 * never holds credentials: identities are
 * keyed by a hash of the access key ID, which is how a warm run knows who it is without calling STS.
 * It is plain JSON written atomically (temp file, then rename): `conf` would cost every run ~45 ms to
 * load, and its exit hook re-sends SIGINT, which would turn one Ctrl-C into two.
 */
export class Cache {
  private readonly dir: string;
  private readonly path: string;
  /** Where versions before 0.2 kept the cache: next to the config file. */
  private readonly legacyPath: string | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.dir = cacheDir(env);
    this.path = join(this.dir, 'cache.json');
    const legacy = join(configDir(env), 'cache.json');
    this.legacyPath = legacy === this.path ? undefined : legacy;
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
    const doc = readJson(this.path);
    if (doc !== undefined || !this.legacyPath || !existsSync(this.legacyPath)) return doc ?? {};
    return this.migrate(this.legacyPath);
  }

  /** Moves a cache left next to the config by an older version; one that cannot be moved is ignored. */
  private migrate(legacyPath: string): Record<string, unknown> {
    const doc = readJson(legacyPath) ?? {};
    try {
      this.write(doc);
      rmSync(legacyPath, { force: true });
    } catch {
      // The old file stays where it is, unused: the cache starts empty.
    }
    return doc;
  }

  private write(doc: Record<string, unknown>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.path);
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

export function hashKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
