import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { RunvoyError, ExitCode } from '../core/errors.js';
import { isConfigKey, type ConfigKey, type ConfigRecord, type ConfigValue } from '../core/config-schema.js';
import { configDir, configFilePath } from './paths.js';

const FILE_MODE = 0o600;

/**
 * The local config file. Reads parse the JSON directly; writes go through `conf` (atomic write, file
 * mode 0600), which is imported only then, since it costs every command ~45 ms to load. Values are
 * checked by `core/config-schema` rather than by conf's JSON schema, because conf rejects the whole
 * file on one bad value, which would make every command unusable and could not name each bad key the
 * way `config validate` must.
 */
export class ConfigStore {
  readonly path: string;
  private readonly dir: string;
  private doc: Record<string, unknown>;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.dir = configDir(env);
    this.path = configFilePath(env);
    this.doc = this.read();
  }

  /** Everything in the file, including keys runvoy does not know (for `validate`). */
  raw(): Record<string, unknown> {
    return { ...this.doc };
  }

  /** The known keys with values of a usable type. */
  values(): ConfigRecord {
    const out: ConfigRecord = {};
    for (const [key, value] of Object.entries(this.doc)) {
      if (!isConfigKey(key)) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        out[key] = value;
      }
    }
    return out;
  }

  async set(key: ConfigKey, value: ConfigValue): Promise<void> {
    const conf = await this.conf();
    conf.set(key, value);
    this.written(conf.store);
  }

  async unset(key: string): Promise<void> {
    const conf = await this.conf();
    conf.delete(key);
    this.written(conf.store);
  }

  private async conf() {
    // conf cannot read an empty file; it holds nothing, so it goes.
    if (existsSync(this.path) && readFileSync(this.path, 'utf8').trim() === '') rmSync(this.path);
    const { default: Conf } = await import('conf');
    return new Conf<Record<string, unknown>>({
      projectName: 'runvoy',
      cwd: this.dir,
      configName: 'config',
      configFileMode: FILE_MODE,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
    });
  }

  private written(store: Record<string, unknown>): void {
    this.doc = { ...store };
    if (existsSync(this.path)) chmodSync(this.path, FILE_MODE);
  }

  private read(): Record<string, unknown> {
    const file = readConfigFile(this.path);
    if ('problem' in file) throw file.problem;
    return file.doc;
  }
}

export type ConfigFileContent = { doc: Record<string, unknown>; empty: boolean } | { problem: RunvoyError };

/**
 * The config file as it is on disk, without throwing: a missing or empty file is an empty config (there
 * is nothing in it to lose), and a file that is not one JSON object is a `problem` saying how to fix it.
 * `config path`, `config validate` and `doctor` use this to keep working with a broken file.
 */
export function readConfigFile(path: string): ConfigFileContent {
  if (!existsSync(path)) return { doc: {}, empty: true };
  let why: string | undefined;
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '') return { doc: {}, empty: true };
    doc = JSON.parse(text);
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      why = 'It must hold one JSON object of keys and values.';
    }
  } catch (error) {
    why = (error as Error).message;
  }
  if (why !== undefined) {
    return {
      problem: new RunvoyError({
        what: `The config file ${path} is not a valid runvoy config.`,
        why,
        fix: `Fix the file by hand (\`runvoy config validate\` checks it), or move it away (\`mv ${path} ${path}.bak\`) and set values again with \`runvoy config set\`.`,
        exitCode: ExitCode.Usage,
        code: 'CONFIG_UNREADABLE',
        data: { path },
      }),
    };
  }
  return { doc: doc as Record<string, unknown>, empty: Object.keys(doc as object).length === 0 };
}
