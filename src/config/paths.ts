import { homedir } from 'node:os';
import { join } from 'node:path';

/** RUNVOY_CONFIG_DIR, else $XDG_CONFIG_HOME/runvoy, else ~/.config/runvoy. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNVOY_CONFIG_DIR) return env.RUNVOY_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'runvoy');
}

/** The config file: `config.json` in the config directory. */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}
