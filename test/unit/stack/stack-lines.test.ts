import { describe, expect, it } from 'vitest';
import { formatEventLine, formatOutputs } from '../../../src/ui/stack-lines.js';

describe('formatEventLine', () => {
  it('prints the UTC time, the status padded to a column, the resource and its type', () => {
    expect(
      formatEventLine({
        timestamp: new Date('2026-03-04T12:01:02.345Z'),
        logicalId: 'Table',
        resourceType: 'AWS::DynamoDB::Table',
        status: 'CREATE_COMPLETE',
      }),
    ).toBe('12:01:02  CREATE_COMPLETE      Table  AWS::DynamoDB::Table');
  });

  it('appends the reason when there is one', () => {
    const line = formatEventLine({
      timestamp: new Date('2026-03-04T00:00:09Z'),
      logicalId: 'ExecutionRole',
      resourceType: 'AWS::IAM::Role',
      status: 'CREATE_FAILED',
      reason: 'not authorized to perform: iam:CreateRole',
    });
    expect(line).toBe(
      '00:00:09  CREATE_FAILED        ExecutionRole  AWS::IAM::Role  not authorized to perform: iam:CreateRole',
    );
  });

  it('keeps a status longer than the column whole', () => {
    const line = formatEventLine({
      timestamp: new Date('2026-03-04T00:00:00Z'),
      logicalId: 'runvoy',
      resourceType: 'AWS::CloudFormation::Stack',
      status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    });
    expect(line).toBe('00:00:00  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS runvoy  AWS::CloudFormation::Stack');
  });
});

describe('formatOutputs', () => {
  it('aligns the values after the longest key, joining lists with commas', () => {
    expect(
      formatOutputs({
        clusterName: 'c',
        subnetIds: ['subnet-a', 'subnet-b'],
        retainData: false,
        tableName: 't',
      }),
    ).toEqual(['clusterName  c', 'subnetIds    subnet-a,subnet-b', 'retainData   false', 'tableName    t']);
  });

  it('prints nothing for no outputs', () => {
    expect(formatOutputs({})).toEqual([]);
  });
});
