/** Valid Fargate task sizes: CPU units to allowed memory in MiB (AWS-NOTES, Fargate). */
const RANGES: ReadonlyArray<{ cpu: number; from: number; to: number; step: number; extra?: number[] }> = [
  { cpu: 256, from: 1024, to: 2048, step: 1024, extra: [512] },
  { cpu: 512, from: 1024, to: 4096, step: 1024 },
  { cpu: 1024, from: 2048, to: 8192, step: 1024 },
  { cpu: 2048, from: 4096, to: 16384, step: 1024 },
  { cpu: 4096, from: 8192, to: 30720, step: 1024 },
  { cpu: 8192, from: 16384, to: 61440, step: 4096 },
  { cpu: 16384, from: 32768, to: 122880, step: 8192 },
];

export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map(
  RANGES.map(({ cpu, from, to, step, extra = [] }) => {
    const memories = [...extra];
    for (let m = from; m <= to; m += step) memories.push(m);
    return [cpu, memories];
  }),
);

export const FARGATE_CPUS: readonly number[] = [...FARGATE_SIZES.keys()];

export function isValidCpu(cpu: number): boolean {
  return FARGATE_SIZES.has(cpu);
}

export function validMemoriesFor(cpu: number): readonly number[] {
  return FARGATE_SIZES.get(cpu) ?? [];
}

export function isValidSize(cpu: number, memory: number): boolean {
  return validMemoriesFor(cpu).includes(memory);
}

/** The smallest valid memory for a CPU value: the default when only --cpu is given. */
export function defaultMemoryFor(cpu: number): number | undefined {
  return validMemoriesFor(cpu)[0];
}

/** Human summary of the memory values allowed for one CPU value, e.g. "2048 to 8192 in steps of 1024". */
export function describeMemoriesFor(cpu: number): string {
  const range = RANGES.find((r) => r.cpu === cpu);
  if (!range) return `none (cpu must be one of ${FARGATE_CPUS.join(', ')})`;
  const extra = range.extra?.length ? `${range.extra.join(', ')}, ` : '';
  return `${extra}${range.from} to ${range.to} in steps of ${range.step}`;
}

/** The valid sizes closest to a requested one, nearest first, for "did you mean" hints. */
export function nearestSizes(cpu: number, memory: number, count = 3): Array<{ cpu: number; memory: number }> {
  const all: Array<{ cpu: number; memory: number; distance: number }> = [];
  for (const [c, memories] of FARGATE_SIZES) {
    for (const m of memories) {
      const distance =
        Math.abs(Math.log2(c / Math.max(cpu, 1))) * 4 + Math.abs(Math.log2(m / Math.max(memory, 1)));
      all.push({ cpu: c, memory: m, distance });
    }
  }
  all.sort((a, b) => a.distance - b.distance || a.cpu - b.cpu || a.memory - b.memory);
  return all.slice(0, count).map(({ cpu: c, memory: m }) => ({ cpu: c, memory: m }));
}
