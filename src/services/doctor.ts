import type { AwsClients } from '../aws/clients.js';
import { endpointFromEnv } from '../aws/clients.js';
import { getCallerIdentity, type CallerIdentity } from '../aws/identity.js';
import { describeIssue, type RunvoyError } from '../core/errors.js';
import { validateConfigDocument } from '../core/config-schema.js';

export interface Check {
  id: string;
  label: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  account?: string;
  arn?: string;
  region?: string;
  endpoint: string;
}

export interface DoctorInputs {
  clients: AwsClients;
  configDocument: Record<string, unknown>;
  configPath: string;
  /** The config file cannot be read as a config at all (not JSON): its what/why/fix. */
  configProblem?: RunvoyError;
  /** The AWS profile asked for (--profile, RUNVOY_PROFILE, AWS_PROFILE or the config file). */
  profile?: { name: string; from: string };
  /** Whether a profile is in the shared AWS config or credentials file. */
  profileExists?: (name: string) => Promise<boolean>;
  toRunvoyError: (error: unknown) => RunvoyError;
  /** Extra checks that need identity and region (the stack checks). */
  more?: (context: { identity: CallerIdentity; region: string }) => Promise<Check[]>;
}

/** Runs every check, never stopping at the first failure, so that one run shows everything to fix. */
export async function runDoctor(inputs: DoctorInputs): Promise<DoctorReport> {
  const checks: Check[] = [
    inputs.configProblem
      ? failed('config', 'Config', inputs.configProblem)
      : checkConfig(inputs.configDocument, inputs.configPath),
  ];
  let profileMissing = false;
  if (inputs.profile && inputs.profileExists) {
    const exists = await inputs.profileExists(inputs.profile.name).catch(() => undefined);
    profileMissing = exists === false;
    checks.push(profileCheck(inputs.profile, exists));
  }
  const endpoint = endpointFromEnv('STS') ?? 'AWS (default endpoints)';
  const endpointCheck: Check = { id: 'endpoint', label: 'Endpoint', ok: true, detail: endpoint };
  checks.push(endpointCheck);

  let region: string | undefined;
  try {
    region = await inputs.clients.region();
    checks.push({ id: 'region', label: 'Region', ok: true, detail: region });
  } catch (error) {
    checks.push(failed('region', 'Region', inputs.toRunvoyError(error)));
  }

  let identity: CallerIdentity | undefined;
  if (region) {
    try {
      identity = await getCallerIdentity(inputs.clients);
      checks.push({ id: 'credentials', label: 'Credentials', ok: true, detail: identity.arn });
      checks.push({ id: 'account', label: 'Account', ok: true, detail: identity.account });
    } catch (error) {
      const problem = inputs.toRunvoyError(error);
      if (problem.code === 'NETWORK') {
        // The endpoint is what failed; who the caller is could not be asked.
        Object.assign(endpointCheck, {
          ok: false,
          detail: `${endpoint} cannot be reached: ${problem.why ?? problem.what}`,
          fix: problem.fix,
        });
        checks.push({
          id: 'credentials',
          label: 'Credentials',
          ok: false,
          detail: `not checked: the endpoint ${endpoint} cannot be reached`,
        });
      } else if (profileMissing && problem.code === 'NO_CREDENTIALS') {
        checks.push({
          id: 'credentials',
          label: 'Credentials',
          ok: false,
          detail: `none: the profile "${inputs.profile?.name ?? ''}" does not exist (see above)`,
        });
      } else {
        checks.push(failed('credentials', 'Credentials', problem));
      }
    }
  }
  if (identity && region && inputs.more) {
    try {
      checks.push(...(await inputs.more({ identity, region })));
    } catch (error) {
      checks.push(failed('stack', 'Stack', inputs.toRunvoyError(error)));
    }
  }

  return {
    ok: checks.every((c) => c.ok),
    checks,
    account: identity?.account,
    arn: identity?.arn,
    region,
    endpoint,
  };
}

function checkConfig(doc: Record<string, unknown>, path: string): Check {
  const issues = validateConfigDocument(doc);
  if (issues.length === 0) return { id: 'config', label: 'Config', ok: true, detail: `${path} is valid` };
  return {
    id: 'config',
    label: 'Config',
    ok: false,
    detail: issues.map(describeIssue).join('; '),
    fix: 'Run `runvoy config validate`, then `runvoy config set KEY VALUE` or `runvoy config unset KEY`.',
  };
}

function profileCheck(profile: { name: string; from: string }, exists: boolean | undefined): Check {
  const label = 'Profile';
  if (exists === undefined) {
    return {
      id: 'profile',
      label,
      ok: true,
      detail: `${profile.name} (from ${profile.from}; files not readable)`,
    };
  }
  if (exists) return { id: 'profile', label, ok: true, detail: `${profile.name} (from ${profile.from})` };
  return {
    id: 'profile',
    label,
    ok: false,
    detail: `The AWS profile "${profile.name}" (from ${profile.from}) is not in your AWS config or credentials file (${process.env.AWS_CONFIG_FILE ?? '~/.aws/config'}, ${process.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}).`,
    fix: `Create it with \`aws configure --profile ${profile.name}\` (or \`aws configure sso --profile ${profile.name}\`), or use one that \`aws configure list-profiles\` shows.`,
  };
}

function failed(id: string, label: string, error: RunvoyError): Check {
  return {
    id,
    label,
    ok: false,
    detail: error.why ? `${error.what} ${error.why}` : error.what,
    fix: error.fix,
  };
}
