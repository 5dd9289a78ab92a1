import { describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import type { AuditEvent } from '../../../src/core/items.js';
import { auditCsv, describeEvent, type AuditRow } from '../../../src/services/audit.js';
import { listFilter } from '../../../src/services/list.js';
import { auditTable, cost, elapsed, executionsTable, renderTable } from '../../../src/ui/tables.js';

const record = executionRecord({
  id: '7k2m9x4qbd0e',
  status: 'SUCCEEDED',
  origin: 'adopted',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'laptop',
  command: ['echo', 'hello world'],
  image: 'alpine:3.20',
  createdAt: '2024-06-15T12:00:00.000Z',
  startedAt: '2024-06-15T12:00:10.000Z',
  stoppedAt: '2024-06-15T12:03:15.000Z',
  cost: 0.00123,
  costStatus: 'estimated',
});

describe('tables', () => {
  it('prints plain aligned columns without a TTY, one row per execution, adopted marked with *', () => {
    const text = executionsTable([record], { boxed: false });
    const [header, row] = text.split('\n');
    expect(header).toMatch(
      /^ID\s+STATUS\s+ORIGIN\s+CREATED\s+DURATION\s+WHO\s+LOCK\s+IMAGE\s+COMMAND\s+COST$/,
    );
    expect(row).toContain('SUCCEEDED*  adopted');
    const scheduled = executionsTable([{ ...record, origin: 'schedule', scheduleName: 'nightly' }], {
      boxed: false,
    });
    expect(scheduled.split('\n')[1]).toMatch(/SUCCEEDED\s+schedule:nightly\s/);
    expect(row).toContain('2024-06-15T12:00:00Z');
    expect(row).toContain('3m05s');
    expect(row).toContain('Dev/alice');
    expect(row).toContain("echo 'hello world'");
    expect(row).toContain('$0.0012~');
  });

  it('draws a box in a TTY', () => {
    const text = renderTable(['A', 'B'], [['1', '2']], { boxed: true });
    expect(text).toContain('┌');
    expect(text).toContain('│ 1 │ 2 │');
  });

  it('shows no duration for a finished run without a stop time, and the running time otherwise', () => {
    expect(elapsed({ ...record, stoppedAt: undefined }, Date.parse('2024-06-15T13:00:00Z'))).toBe('-');
    expect(
      elapsed({ ...record, status: 'RUNNING', stoppedAt: undefined }, Date.parse('2024-06-15T12:01:10Z')),
    ).toBe('1m00s');
    expect(cost({ cost: undefined, costStatus: 'unavailable' })).toBe('-');
    expect(cost({ cost: 1.5, costStatus: 'exact' })).toBe('$1.5000');
  });

  it('prints the audit trail', () => {
    const rows: AuditRow[] = [
      {
        at: '2024-06-15T12:00:00.000Z',
        action: 'run',
        who: record.callerArn,
        host: 'h',
        what: 'alpine -- true',
        outcome: 'SUCCEEDED',
      },
    ];
    expect(auditTable(rows, { boxed: false })).toContain('2024-06-15T12:00:00Z  run');
  });
});

describe('audit rendering', () => {
  const event = (action: AuditEvent['action'], detail: Record<string, unknown> = {}): AuditEvent => ({
    id: 'e',
    at: '2024-06-15T12:00:00.000Z',
    action,
    actorArn: 'arn:aws:sts::123456789012:user/x',
    host: 'h',
    executionId: '7k2m9x4qbd0e',
    lockName: 'deploy',
    detail,
  });

  it('describes each kind of event', () => {
    expect(describeEvent(event('run', { image: 'alpine', command: ['echo', 'hi'] }))).toBe(
      'alpine -- echo hi',
    );
    expect(describeEvent(event('adopt', {}))).toBe('-');
    expect(describeEvent(event('kill', { taskArn: 'arn:aws:ecs:us-east-1:1:task/c/abc' }))).toBe(
      'stopped task abc',
    );
    expect(describeEvent(event('lock-force-release', { fence: 4, holderArn: 'arn:aws:sts::1:user/y' }))).toBe(
      'forced release of lock deploy (fence 4) held by 7k2m9x4qbd0e of arn:aws:sts::1:user/y',
    );
  });

  it('writes RFC 4180 CSV, quoting commas, quotes and formula-looking cells', () => {
    const csv = auditCsv([
      { at: 't', action: 'run', who: 'w', host: 'h', what: 'echo "a, b"', outcome: '=1+1' },
    ]);
    expect(csv).toBe(
      'at,action,who,host,executionId,lockName,what,outcome\r\nt,run,w,h,,,"echo ""a, b""","=1+1"\r\n',
    );
  });
});

describe('listFilter', () => {
  it('builds nothing without filters, and ANDs lock, image and statuses', () => {
    expect(listFilter(undefined, undefined, undefined)).toBeUndefined();
    expect(listFilter('deploy', 'alpine', ['FAILED', 'LOST'])).toEqual({
      expression: '#lockName = :lock AND #image = :image AND #status IN (:status0, :status1)',
      names: { '#lockName': 'lockName', '#image': 'image', '#status': 'status' },
      values: { ':lock': 'deploy', ':image': 'alpine', ':status0': 'FAILED', ':status1': 'LOST' },
    });
  });
});
