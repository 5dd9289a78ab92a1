/**
 * The environment of a CLI under a bench: PATH and HOME, its own runvoy config directory, no AWS config
 * files (this machine's profiles never leak in), fixed credentials and region, and the emulator at
 * `endpoint` when one is given.
 */
export function benchEnv(configDir: string, endpoint?: string, region = 'us-east-1'): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_COLOR: '1',
    RUNVOY_CONFIG_DIR: configDir,
    AWS_CONFIG_FILE: '/nonexistent/runvoy-bench-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/runvoy-bench-aws-credentials',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_PAGER: '',
    ...(endpoint ? { AWS_ENDPOINT_URL: endpoint } : {}),
  };
}
