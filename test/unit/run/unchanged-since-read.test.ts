import { describe, expect, it } from 'vitest';
import { unchangedSinceRead } from '../../../src/aws/store.js';

describe('unchangedSinceRead', () => {
  it('holds every scalar to its value, null to its type, lists and maps to their presence', () => {
    const condition = unchangedSinceRead({
      pk: 'LOCK#deploy',
      sk: 'META',
      name: 'deploy',
      fence: '7',
      state: 'FREE',
      held: false,
      exitCode: null,
      command: ['a'],
      detail: { a: 1 },
    });
    expect(condition.expression).toBe(
      [
        'attribute_exists(pk)',
        '#r2 = :r2',
        '#r3 = :r3',
        '#r4 = :r4',
        '#r5 = :r5',
        'attribute_type(#r6, :r6)',
        'attribute_exists(#r7)',
        'attribute_exists(#r8)',
        'attribute_not_exists(#m_version)',
        'attribute_not_exists(#m_status)',
        'attribute_not_exists(#m_id)',
        'attribute_not_exists(#m_createdAt)',
      ].join(' AND '),
    );
    expect(condition.names).toMatchObject({
      '#r2': 'name',
      '#r3': 'fence',
      '#r6': 'exitCode',
      '#m_version': 'version',
    });
    expect(condition.values).toEqual({
      ':r2': 'deploy',
      ':r3': '7',
      ':r4': 'FREE',
      ':r5': false,
      ':r6': 'NULL',
    });
  });
});
