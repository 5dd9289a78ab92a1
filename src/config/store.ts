import Conf from 'conf';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { RunvoyError, ExitCode } from '../core/errors.js';
import type { ConfigKey, ConfigRecord, ConfigValue } from '../core/config-schema.js';
import { configDir } from './paths.js';

const FILE_MODE = 0o600;

/**
 * The local config file. Values are checked by `core/config-schema` rather than by conf's own JSON
 * schema, because conf rejects the whole file at load time on one bad value, which would make every
 * command unusable and could not name each bad key the way `config validate` must.
 */
export class ConfigStore {
  private readonly conf: Conf<Record<string, unknown>>;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const cwd = configDir(env);
    this.guardReadable(`${cwd}/config.json`);
    this.conf = new Conf<Record<string, unknown>>({
      projectName: 'runvoy',
      cwd,
      configName: 'config',
      configFileMode: FILE_MODE,
      clearInvalidConfig: false,
    });
  }

  get path(): string {
    return this.conf.path;
  }

  /** Everything in the file, including keys runvoy does not know (for `validate`). */
  raw(): Record<string, unknown> {
    return { ...this.conf.store };
  }

  /** The known keys with values of a usable type. */
  values(): ConfigRecord {
    const out: ConfigRecord = {};
    for (const [key, value] of Object.entries(this.conf.store)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        out[key as ConfigKey] = value;
      }
    }
    return out;
  }

  set(key: ConfigKey, value: ConfigValue): void {
    this.conf.set(key, value);
    this.enforceMode();
  }

  unset(key: ConfigKey): void {
    this.conf.delete(key);
    this.enforceMode();
  }

  private enforceMode(): void {
    if (existsSync(this.conf.path)) chmodSync(this.conf.path, FILE_MODE);
  }

  private guardReadable(path: string): void {
    if (!existsSync(path)) return;
    try {
      JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new RunvoyError({
        what: `The config file ${path} is not valid JSON.`,
        why: (error as Error).message,
        fix: `Fix the file by hand, or move it away and set values again with \`runvoy config set\`.`,
        exitCode: ExitCode.Usage,
        code: 'CONFIG_UNREADABLE',
      });
    }
  }
}
