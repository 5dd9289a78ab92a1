import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, renderPermissionsDoc } from '../../../scripts/permissions-doc.js';
import {
  actionsOf,
  COMMAND_PERMISSIONS,
  leastRoleWith,
  permissionRole,
  permissionsOfRole,
  roleCovers,
  type CommandPermissions,
} from '../../../src/core/permissions.js';

const COMMANDS = resolve(import.meta.dirname, '../../../src/commands');

function commandIds(dir = COMMANDS, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return commandIds(join(dir, entry.name), `${prefix}${entry.name}:`);
    if (!entry.name.endsWith('.ts')) return [];
    const name = entry.name.slice(0, -3);
    return [name === 'index' ? prefix.slice(0, -1) : `${prefix}${name}`];
  });
}

const entries = COMMAND_PERMISSIONS as Record<string, CommandPermissions>;
const whenOf = (id: string, action: string) =>
  entries[id]?.permissions.filter((p) => p.action === action).map((p) => p.when ?? 'always') ?? [];

describe('permissions: one source of truth, keyed by command id', () => {
  it('docs/permissions.md is what `npm run docs:permissions` writes from it', async () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(await renderPermissionsDoc());
  });

  it('lists every command (those that make no AWS call with no actions)', () => {
    expect(Object.keys(COMMAND_PERMISSIONS).sort()).toEqual(commandIds().sort());
  });

  it('names real IAM actions: a service prefix, then an operation name', () => {
    for (const [id, entry] of Object.entries(entries)) {
      for (const p of entry.permissions) {
        expect(p.action, id).toMatch(
          /^(sts|cloudformation|dynamodb|ecs|logs|scheduler|pricing|ec2|iam):[A-Z][A-Za-z]+\*?$/,
        );
      }
    }
  });

  // Issue 11: the hand-written page missed these.
  it('doctor needs dynamodb:Query (this month spend)', () => {
    expect(actionsOf('doctor').has('dynamodb:Query')).toBe(true);
  });

  it('locks release without --force needs dynamodb:UpdateItem (a finished holder)', () => {
    expect(whenOf('locks:release', 'dynamodb:UpdateItem')).toEqual(['a lock whose holder has finished']);
  });

  it('cost needs dynamodb:GetItem (one execution) and dynamodb:Query (reports, ID prefixes)', () => {
    expect(actionsOf('cost').has('dynamodb:GetItem')).toBe(true);
    expect(actionsOf('cost').has('dynamodb:Query')).toBe(true);
  });

  it('run with budgets or a concurrency limit needs dynamodb:Query', () => {
    expect(whenOf('run', 'dynamodb:Query')).toEqual([
      "with budget.monthly or budget.perUser set (yours or the team policy's), or runs.maxConcurrent",
    ]);
  });

  it("run checks the team policy's version in its start transaction (ConditionCheckItem)", () => {
    expect(actionsOf('run').has('dynamodb:ConditionCheckItem')).toBe(true);
  });

  it('policy set and unset write the policy and its audit event in one transaction', () => {
    for (const id of ['policy:set', 'policy:unset']) {
      expect(actionsOf(id)).toEqual(
        new Set([
          'sts:GetCallerIdentity',
          'cloudformation:DescribeStacks',
          'dynamodb:GetItem',
          'dynamodb:TransactWriteItems',
        ]),
      );
    }
    expect(actionsOf('policy:list').has('dynamodb:TransactWriteItems')).toBe(false);
  });

  it('local commands need nothing', () => {
    for (const id of ['config:get', 'config:set', 'config:path', 'config:validate']) {
      expect(actionsOf(id).size).toBe(0);
    }
  });

  it('gives every command a role: `any` exactly for those that make no AWS call', () => {
    for (const [id, entry] of Object.entries(entries)) {
      expect(entry.role === 'any', id).toBe(entry.permissions.length === 0);
    }
  });

  it('the roles of the issue: viewers read, operators run and kill, admins init, destroy and force', () => {
    const roleOf = (id: string) => entries[id]?.role;
    for (const id of [
      'list',
      'status',
      'logs',
      'cost',
      'audit',
      'locks:list',
      'locks:status',
      'doctor',
      'iam:policy',
    ])
      expect(roleOf(id), id).toBe('viewer');
    for (const id of ['run', 'kill', 'reconcile', 'locks:release']) expect(roleOf(id), id).toBe('operator');
    for (const id of ['init', 'destroy']) expect(roleOf(id), id).toBe('admin');
    expect(entries['locks:release']?.variants).toEqual([
      expect.objectContaining({ flags: '--force', role: 'admin', iamAlsoAllows: 'operator' }),
    ]);
    expect(entries.reconcile?.variants).toEqual([{ flags: '--dry-run', role: 'viewer' }]);
  });

  it('reconcile --dry-run needs only what a viewer holds', () => {
    const dryRun =
      entries.reconcile?.permissions.filter((p) => !/not with --dry-run/.test(p.when ?? '')) ?? [];
    for (const p of dryRun)
      expect(permissionRole(entries.reconcile as CommandPermissions, p), p.action).toBe('viewer');
  });

  it("a permission names a role of its own only at or above its command's", () => {
    for (const [id, entry] of Object.entries(entries)) {
      for (const p of entry.permissions) {
        if (!p.role || entry.role === 'any') continue;
        if (id === 'reconcile') continue; // its reads are the viewer's, for --dry-run
        expect(roleCovers(p.role, entry.role), `${id} ${p.action}`).toBe(true);
      }
    }
  });

  it('roles are cumulative, and the least role with an action is found', () => {
    expect(roleCovers('admin', 'viewer')).toBe(true);
    expect(roleCovers('viewer', 'operator')).toBe(false);
    const of = (role: 'viewer' | 'operator' | 'admin') =>
      new Set(permissionsOfRole(role).map((p) => p.action));
    expect([...of('viewer')].every((a) => of('operator').has(a))).toBe(true);
    expect(leastRoleWith('dynamodb:Query')).toBe('viewer');
    expect(leastRoleWith('dynamodb:UpdateItem')).toBe('operator');
    expect(leastRoleWith('cloudformation:DeleteStack')).toBe('admin');
    expect(leastRoleWith('s3:GetObject')).toBeUndefined();
  });
});
