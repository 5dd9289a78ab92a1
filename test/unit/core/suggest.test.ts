import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../../src/core/suggest.js';

const IDS = ['init', 'list', 'logs', 'locks:list', 'locks:release', 'locks:status', 'run', 'status', 'ps'];

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['list', 'list', 0],
    ['lsit', 'list', 1],
    ['lsit', 'init', 2],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('%j to %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  it('suggests list for lsit (a swap), not init', () => {
    expect(closestMatch('lsit', IDS)).toBe('list');
  });

  it('suggests within topics', () => {
    expect(closestMatch('locks:relase', IDS)).toBe('locks:release');
    expect(closestMatch('stauts', IDS)).toBe('status');
  });

  it('suggests nothing for a word that is not a typo of any command', () => {
    expect(closestMatch('xyzzyplugh', IDS)).toBeUndefined();
    expect(closestMatch('deploy', IDS)).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });
});
