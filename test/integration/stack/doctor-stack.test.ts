import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMPLATE_VERSION } from '../../../src/aws/stack-template.js';
import { stackChecks } from '../../../src/services/doctor-stack.js';
import { TEST_REGION } from '../../support/moto.js';
import { deploy, directCfn, foreignTemplate, openSession, type StackSession } from './helpers.js';

let session: StackSession;
beforeEach(async () => {
  session = await openSession();
});
afterEach(async () => {
  await session.close();
});

/** A stack made outside runvoy, with the given outputs (e.g. an older template version). */
async function createStack(outputs: Record<string, string>, name = 'runvoy'): Promise<void> {
  const cfn = directCfn();
  try {
    await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: foreignTemplate(outputs) }));
  } finally {
    cfn.destroy();
  }
}

describe('doctor stack checks against the emulator', () => {
  it('a missing stack fails with the fix `runvoy init`', async () => {
    const checks = await stackChecks(session.clients, 'runvoy', TEST_REGION);
    expect(checks).toEqual([
      {
        id: 'stack',
        label: 'Stack',
        ok: false,
        detail: `"runvoy" not found in ${TEST_REGION}`,
        fix: 'Run `runvoy init`.',
      },
    ]);
  });

  it('names --stack in the fix for another stack name', async () => {
    const [check] = await stackChecks(session.clients, 'team-a', TEST_REGION);
    expect(check?.fix).toBe('Run `runvoy init --stack team-a`.');
  });

  it('a stack made by this CLI is found, healthy, and at the CLI template version', async () => {
    await deploy(session);
    const checks = await stackChecks(session.clients, 'runvoy', TEST_REGION);
    expect(checks.map((c) => [c.id, c.ok])).toEqual([
      ['stack', true],
      ['template', true],
    ]);
    expect(checks[0]?.detail).toMatch(/^runvoy (CREATE|UPDATE)_COMPLETE$/);
    expect(checks[1]?.detail).toBe(`version ${TEMPLATE_VERSION}, as this CLI expects`);
    for (const check of checks) expect(check.fix).toBeUndefined();
  });

  it('a stack with an older template version fails the template check, saying to run `runvoy init`', async () => {
    await createStack({ TemplateVersion: '0' });
    const checks = await stackChecks(session.clients, 'runvoy', TEST_REGION);
    expect(checks[0]).toMatchObject({ id: 'stack', ok: true });
    expect(checks[1]).toMatchObject({
      id: 'template',
      ok: false,
      detail: `version 0, older than this CLI's ${TEMPLATE_VERSION}`,
    });
    expect(checks[1]?.fix).toContain('runvoy init');
  });

  it('a stack without a TemplateVersion output is treated as older', async () => {
    await createStack({ Something: 'else' });
    const [, template] = await stackChecks(session.clients, 'runvoy', TEST_REGION);
    expect(template).toMatchObject({
      ok: false,
      detail: `version unknown, older than this CLI's ${TEMPLATE_VERSION}`,
    });
    expect(template?.fix).toContain('runvoy init');
  });

  it('a stack newer than the CLI passes, and says to upgrade runvoy', async () => {
    await createStack({ TemplateVersion: String(Number(TEMPLATE_VERSION) + 1) });
    const [, template] = await stackChecks(session.clients, 'runvoy', TEST_REGION);
    expect(template?.ok).toBe(true);
    expect(template?.detail).toContain('upgrade runvoy');
  });
});
