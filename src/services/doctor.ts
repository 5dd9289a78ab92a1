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
  toRunvoyError: (error: unknown) => RunvoyError;
  /** Extra checks that need identity and region (the stack checks). */
  more?: (context: { identity: CallerIdentity; region: string }) => Promise<Check[]>;
}

/** Runs every check, never stopping at the first failure, so that one run shows everything to fix. */
export async function runDoctor(inputs: DoctorInputs): Promise<DoctorReport> {
  const checks: Check[] = [checkConfig(inputs.configDocument, inputs.configPath)];
  const endpoint = endpointFromEnv('STS') ?? 'AWS (default endpoints)';
  checks.push({ id: 'endpoint', label: 'Endpoint', ok: true, detail: endpoint });

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
      checks.push(failed('credentials', 'Credentials', inputs.toRunvoyError(error)));
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

function failed(id: string, label: string, error: RunvoyError): Check {
  return {
    id,
    label,
    ok: false,
    detail: error.why ? `${error.what} ${error.why}` : error.what,
    fix: error.fix,
  };
}
