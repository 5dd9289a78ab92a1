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

/**
 * Where the cache lives (`cache.json`: what saves round trips, never settings): RUNVOY_CACHE_DIR; else,
 * with RUNVOY_CONFIG_DIR, that same directory (one place for everything, as CI and tests use it); else
 * $XDG_CACHE_HOME/runvoy; else ~/Library/Caches/runvoy on macOS and ~/.cache/runvoy elsewhere.
 */
export function cacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.RUNVOY_CACHE_DIR) return env.RUNVOY_CACHE_DIR;
  if (env.RUNVOY_CONFIG_DIR) return env.RUNVOY_CONFIG_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'runvoy');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'runvoy');
  return join(homedir(), '.cache', 'runvoy');
}
