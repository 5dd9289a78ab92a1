import { createRequire } from 'node:module';
import type * as SmithyConfig from '@smithy/core/config';

/**
 * Whether a named profile is in the shared AWS config or credentials file (AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE are honoured), read with the SDK's own loader.
 */
export async function profileExists(name: string): Promise<boolean> {
  const { loadSharedConfigFiles } = createRequire(import.meta.url)(
    '@smithy/core/config',
  ) as typeof SmithyConfig;
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  return Object.hasOwn(configFile, name) || Object.hasOwn(credentialsFile, name);
}
