import { describe, expect, it } from 'vitest';
import {
  failureAdvice,
  firstFailure,
  formatChangeSet,
  isFailedStackStatus,
  type ResourceChangeSummary,
  type StackEventSummary,
} from '../../../src/core/change-set.js';

const add = (logicalId: string, resourceType: string): ResourceChangeSummary => ({
  action: 'Add',
  logicalId,
  resourceType,
});

describe('formatChangeSet', () => {
  it('says "No changes." for an empty change set, with no plan line', () => {
    expect(formatChangeSet([])).toEqual(['No changes.']);
  });

  it('prints one line per added resource and a plan line', () => {
    expect(
      formatChangeSet([add('Table', 'AWS::DynamoDB::Table'), add('Cluster', 'AWS::ECS::Cluster')]),
    ).toEqual([
      '+ Add    Cluster  AWS::ECS::Cluster',
      '+ Add    Table    AWS::DynamoDB::Table',
      'Plan: 2 to add, 0 to modify, 0 to remove.',
    ]);
  });

  it('orders removals, then modifications, then additions, and counts each', () => {
    const lines = formatChangeSet([
      add('Vpc', 'AWS::EC2::VPC'),
      { action: 'Modify', logicalId: 'LogGroup', resourceType: 'AWS::Logs::LogGroup', replacement: 'False' },
      { action: 'Remove', logicalId: 'OldQueue', resourceType: 'AWS::SQS::Queue', physicalId: 'q-1' },
      add('Cluster', 'AWS::ECS::Cluster'),
    ]);
    expect(lines).toEqual([
      '- Remove OldQueue  AWS::SQS::Queue',
      '~ Modify LogGroup  AWS::Logs::LogGroup',
      '+ Add    Cluster   AWS::ECS::Cluster',
      '+ Add    Vpc       AWS::EC2::VPC',
      'Plan: 2 to add, 1 to modify, 1 to remove.',
    ]);
  });

  it('marks a modification that replaces the resource, or may replace it', () => {
    const lines = formatChangeSet([
      { action: 'Modify', logicalId: 'Table', resourceType: 'AWS::DynamoDB::Table', replacement: 'True' },
      { action: 'Modify', logicalId: 'Subnet', resourceType: 'AWS::EC2::Subnet', replacement: 'Conditional' },
      { action: 'Modify', logicalId: 'Role', resourceType: 'AWS::IAM::Role', replacement: 'False' },
    ]);
    expect(lines[0]).toBe('~ Modify Role    AWS::IAM::Role');
    expect(lines[1]).toBe('~ Modify Subnet  AWS::EC2::Subnet  (may be replaced)');
    expect(lines[2]).toBe('~ Modify Table   AWS::DynamoDB::Table  (replaced)');
    expect(lines[3]).toBe('Plan: 0 to add, 3 to modify, 0 to remove.');
  });

  it('does not mark a removal or an addition as a replacement', () => {
    const lines = formatChangeSet([
      { action: 'Remove', logicalId: 'A', resourceType: 'AWS::SQS::Queue', replacement: 'True' },
    ]);
    expect(lines[0]).not.toContain('replaced');
  });

  it('does not change the array it is given', () => {
    const changes = [add('B', 'AWS::SQS::Queue'), add('A', 'AWS::SQS::Queue')];
    formatChangeSet(changes);
    expect(changes.map((c) => c.logicalId)).toEqual(['B', 'A']);
  });
});

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, seconds));
const event = (
  seconds: number,
  logicalId: string,
  status: string,
  reason?: string,
  resourceType = 'AWS::DynamoDB::Table',
): StackEventSummary => ({ timestamp: at(seconds), logicalId, resourceType, status, reason });

describe('firstFailure', () => {
  it('is undefined when nothing failed', () => {
    expect(
      firstFailure([
        event(1, 'Table', 'CREATE_IN_PROGRESS'),
        event(2, 'Table', 'CREATE_COMPLETE'),
        event(3, 'runvoy', 'CREATE_COMPLETE', undefined, 'AWS::CloudFormation::Stack'),
      ]),
    ).toBeUndefined();
  });

  it('ignores the stack-level failure, which only repeats the cause', () => {
    expect(
      firstFailure([
        event(
          1,
          'runvoy',
          'ROLLBACK_FAILED',
          'The following resource(s) failed',
          'AWS::CloudFormation::Stack',
        ),
      ]),
    ).toBeUndefined();
  });

  it('skips the cancellations that follow the real failure', () => {
    const cause = event(
      5,
      'ExecutionRole',
      'CREATE_FAILED',
      'not authorized to perform: iam:CreateRole',
      'AWS::IAM::Role',
    );
    const found = firstFailure([
      event(4, 'Cluster', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::ECS::Cluster'),
      event(6, 'Table', 'CREATE_FAILED', 'Resource creation cancelled'),
      cause,
      event(7, 'Vpc', 'UPDATE_FAILED', 'Update cancelled', 'AWS::EC2::VPC'),
    ]);
    expect(found).toBe(cause);
  });

  it('picks the earliest real failure whatever the order of the events', () => {
    const early = event(2, 'Table', 'CREATE_FAILED', 'Table already exists');
    const late = event(9, 'LogGroup', 'CREATE_FAILED', 'Log group already exists', 'AWS::Logs::LogGroup');
    expect(firstFailure([late, early])).toBe(early);
    expect(firstFailure([early, late])).toBe(early);
  });

  it('falls back to the earliest cancellation when every failure is one', () => {
    const first = event(1, 'Cluster', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::ECS::Cluster');
    expect(firstFailure([event(3, 'Table', 'CREATE_FAILED', 'Resource creation cancelled'), first])).toBe(
      first,
    );
  });

  it('counts DELETE_FAILED and UPDATE_FAILED as failures', () => {
    const failed = event(1, 'Vpc', 'DELETE_FAILED', 'has dependencies', 'AWS::EC2::VPC');
    expect(firstFailure([event(0, 'Table', 'DELETE_COMPLETE'), failed])).toBe(failed);
  });
});

describe('failureAdvice', () => {
  const failed = (reason: string) => event(1, 'Table', 'CREATE_FAILED', reason);

  it('points to the permissions page when the identity lacks a permission', () => {
    const advice = failureAdvice(
      failed(
        'Resource handler returned message: "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: dynamodb:CreateTable"',
      ),
      'team',
    );
    expect(advice).toContain('docs/permissions.md');
    expect(advice).toContain('`runvoy init --stack team`');
  });

  it('treats AccessDenied as a missing permission too', () => {
    expect(failureAdvice(failed('API: iam:CreateRole AccessDenied'), 'runvoy')).toContain('permission');
  });

  it('explains a name clash with a table kept by destroy --retain-data', () => {
    const advice = failureAdvice(failed('runvoy-table already exists'), 'runvoy');
    expect(advice).toContain('already exists');
    expect(advice).toContain('--retain-data');
  });

  it('sends a quota failure to Service Quotas', () => {
    expect(
      failureAdvice(failed('The maximum number of VPCs has been reached. (VpcLimitExceeded)'), 'runvoy'),
    ).toContain('Service Quotas');
  });

  it('otherwise says to fix the cause, and how to get out of ROLLBACK_COMPLETE', () => {
    for (const advice of [failureAdvice(failed('Invalid request'), 'ci'), failureAdvice(undefined, 'ci')]) {
      expect(advice).toContain('`runvoy init --stack ci`');
      expect(advice).toContain('ROLLBACK_COMPLETE');
      expect(advice).toContain('`runvoy destroy --stack ci`');
    }
  });
});

describe('isFailedStackStatus', () => {
  it.each([
    'CREATE_FAILED',
    'ROLLBACK_COMPLETE',
    'ROLLBACK_FAILED',
    'DELETE_FAILED',
    'UPDATE_FAILED',
    'UPDATE_ROLLBACK_COMPLETE',
    'UPDATE_ROLLBACK_FAILED',
    'IMPORT_ROLLBACK_COMPLETE',
  ])('%s is a failed status', (status) => {
    expect(isFailedStackStatus(status)).toBe(true);
  });

  it.each([
    'CREATE_COMPLETE',
    'UPDATE_COMPLETE',
    'IMPORT_COMPLETE',
    'CREATE_IN_PROGRESS',
    'ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    'REVIEW_IN_PROGRESS',
    'DELETE_COMPLETE',
  ])('%s is not a failed status', (status) => {
    expect(isFailedStackStatus(status)).toBe(false);
  });
});
