import { describe, expect, it } from 'vitest';
import {
  defaultMemoryFor,
  describeMemoriesFor,
  FARGATE_CPUS,
  FARGATE_SIZES,
  isValidCpu,
  isValidSize,
  nearestSizes,
  validMemoriesFor,
} from '../../../src/core/fargate.js';

/** The Fargate table, copied word for word from AWS-NOTES.md ("Valid task sizes"). */
const NOTES_TABLE =
  '256: 512, 1024, 2048 · 512: 1024 to 4096 step 1024 · 1024: 2048 to 8192 step 1024 · ' +
  '2048: 4096 to 16384 step 1024 · 4096: 8192 to 30720 step 1024 · 8192: 16384 to 61440 step 4096 · ' +
  '16384: 32768 to 122880 step 8192';

/** Expands the notes' text into every valid (cpu, memory) pair, independently of src/core/fargate.ts. */
function sizesFromNotes(text: string): Map<number, number[]> {
  const sizes = new Map<number, number[]>();
  for (const part of text.split('·')) {
    const [cpuText, rest] = part.split(':').map((s) => s.trim());
    const cpu = Number(cpuText);
    const range = /^(\d+) to (\d+) step (\d+)$/.exec(rest ?? '');
    const memories: number[] = [];
    if (range) {
      const [from, to, step] = range.slice(1).map(Number) as [number, number, number];
      for (let m = from; m <= to; m += step) memories.push(m);
    } else {
      memories.push(...(rest ?? '').split(',').map((s) => Number(s.trim())));
    }
    expect(memories.every(Number.isInteger)).toBe(true);
    sizes.set(cpu, memories);
  }
  return sizes;
}

const NOTES = sizesFromNotes(NOTES_TABLE);
const VALID_PAIRS = [...NOTES].flatMap(([cpu, memories]) => memories.map((memory) => [cpu, memory] as const));

describe('the Fargate size table', () => {
  it('reads the notes into 7 CPU values and the expected number of sizes', () => {
    expect([...NOTES.keys()]).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
    // 3 + 4 + 7 + 13 + 23 + 12 + 12
    expect(VALID_PAIRS).toHaveLength(74);
  });

  it('FARGATE_CPUS lists exactly the CPU values of the notes, smallest first', () => {
    expect(FARGATE_CPUS).toEqual([...NOTES.keys()]);
  });

  it('FARGATE_SIZES holds exactly the sizes of the notes, memories in increasing order', () => {
    for (const [cpu, memories] of NOTES) {
      expect(FARGATE_SIZES.get(cpu)).toEqual([...memories].sort((a, b) => a - b));
    }
    expect(FARGATE_SIZES.size).toBe(NOTES.size);
  });

  it.each(VALID_PAIRS)('cpu %i with memory %i is valid', (cpu, memory) => {
    expect(isValidCpu(cpu)).toBe(true);
    expect(isValidSize(cpu, memory)).toBe(true);
    expect(validMemoriesFor(cpu)).toContain(memory);
  });

  it.each([
    [256, 4096],
    [256, 1536],
    [256, 256],
    [512, 512],
    [512, 5120],
    [1024, 1024],
    [1024, 9216],
    [2048, 2048],
    [2048, 17408],
    [4096, 4096],
    [4096, 31744],
    [8192, 18432],
    [8192, 65536],
    [16384, 36864],
    [16384, 131072],
    [300, 512],
    [0, 0],
    [128, 512],
    [32768, 65536],
  ])('cpu %i with memory %i is not valid', (cpu, memory) => {
    expect(isValidSize(cpu, memory)).toBe(false);
  });

  it.each([[0], [128], [300], [1000], [32768], [-256], [256.5]])(
    'cpu %d is not a Fargate CPU value',
    (cpu) => {
      expect(isValidCpu(cpu)).toBe(false);
      expect(validMemoriesFor(cpu)).toEqual([]);
      expect(defaultMemoryFor(cpu)).toBeUndefined();
    },
  );
});

describe('defaultMemoryFor', () => {
  it.each([...NOTES].map(([cpu, memories]) => [cpu, Math.min(...memories)]))(
    'is the smallest valid memory for cpu %i: %i',
    (cpu, smallest) => {
      expect(defaultMemoryFor(cpu)).toBe(smallest);
    },
  );
});

describe('describeMemoriesFor', () => {
  it('describes each range as the notes do', () => {
    expect(describeMemoriesFor(256)).toBe('512, 1024 to 2048 in steps of 1024');
    expect(describeMemoriesFor(512)).toBe('1024 to 4096 in steps of 1024');
    expect(describeMemoriesFor(8192)).toBe('16384 to 61440 in steps of 4096');
    expect(describeMemoriesFor(16384)).toBe('32768 to 122880 in steps of 8192');
  });

  it('says that no memory is valid for an unknown cpu, and lists the CPU values', () => {
    expect(describeMemoriesFor(300)).toBe(
      'none (cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384)',
    );
  });

  it('describes exactly the sizes that are valid', () => {
    for (const [cpu, memories] of NOTES) {
      const match = /^((?:\d+, )*)(\d+) to (\d+) in steps of (\d+)$/.exec(describeMemoriesFor(cpu));
      expect(match).not.toBeNull();
      const [, extras = '', from, to, step] = match ?? [];
      const described = extras.split(', ').filter(Boolean).map(Number);
      for (let m = Number(from); m <= Number(to); m += Number(step)) described.push(m);
      expect(described).toEqual(memories);
    }
  });
});

describe('nearestSizes', () => {
  const ratio = (a: number, b: number) => Math.abs(Math.log2(a / b));

  it('returns a valid size itself first', () => {
    for (const [cpu, memory] of VALID_PAIRS) {
      expect(nearestSizes(cpu, memory)[0]).toEqual({ cpu, memory });
    }
  });

  it.each([
    [300, 600],
    [1024, 3000],
    [1000, 1000],
    [2048, 100_000],
    [16384, 1],
    [1, 1],
    [100_000, 500_000],
    [4096, 31000],
  ])('for cpu %i and memory %i returns 3 distinct valid sizes', (cpu, memory) => {
    const sizes = nearestSizes(cpu, memory);
    expect(sizes).toHaveLength(3);
    for (const size of sizes) expect(isValidSize(size.cpu, size.memory)).toBe(true);
    expect(new Set(sizes.map((s) => `${s.cpu}/${s.memory}`)).size).toBe(3);
  });

  it('keeps a valid cpu and orders memories by how close they are to the request', () => {
    const sizes = nearestSizes(1024, 3000);
    expect(sizes.every((s) => s.cpu === 1024)).toBe(true);
    expect(sizes[0]).toEqual({ cpu: 1024, memory: 3072 });
    const distances = sizes.map((s) => ratio(s.memory, 3000));
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });

  it('finds the nearest CPU value for an invalid one', () => {
    expect(nearestSizes(300, 600)[0]).toEqual({ cpu: 256, memory: 512 });
    expect(nearestSizes(15000, 120000)[0]).toEqual({ cpu: 16384, memory: 122880 });
  });

  it('the first size is at least as close as any valid size, in both cpu and memory', () => {
    const [first] = nearestSizes(2048, 20000);
    expect(first).toBeDefined();
    const closestMemoryFor2048 = Math.min(...(NOTES.get(2048) ?? []).map((m) => ratio(m, 20000)));
    expect(first?.cpu).toBe(2048);
    expect(ratio(first?.memory ?? 0, 20000)).toBe(closestMemoryFor2048);
  });

  it('honours count', () => {
    expect(nearestSizes(1024, 2048, 1)).toEqual([{ cpu: 1024, memory: 2048 }]);
    expect(nearestSizes(1024, 2048, 5)).toHaveLength(5);
    expect(nearestSizes(1024, 2048, 0)).toEqual([]);
    expect(nearestSizes(1024, 2048, 1000)).toHaveLength(VALID_PAIRS.length);
  });
});
