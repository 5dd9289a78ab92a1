import type { ValidationIssue } from './errors.js';
import {
  FARGATE_CPUS,
  FARGATE_SIZES,
  describeMemoriesFor,
  isValidCpu,
  isValidSize,
  nearestSizes,
} from './fargate.js';

export interface SizeFields {
  cpu: string;
  memory: string;
}

const DEFAULT_FIELDS: SizeFields = { cpu: '--cpu', memory: '--memory' };

/** Parses a whole decimal integer ("300", "-5"); refuses "3e2", "1.5", "0x10", "" and unsafe integers. */
export function parseIntStrict(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Checks a Fargate task size. Either value may be missing (the caller fills in defaults): a lone memory value
 * must be valid for at least one CPU value.
 */
export function validateSize(
  cpu: number | undefined,
  memory: number | undefined,
  fields: SizeFields = DEFAULT_FIELDS,
): ValidationIssue | undefined {
  if (cpu !== undefined && !isValidCpu(cpu)) {
    return {
      field: fields.cpu,
      value: String(cpu),
      allowed: `one of ${FARGATE_CPUS.join(', ')} (CPU units; 1024 is one vCPU)`,
      ...withHint(memory === undefined ? undefined : nearestSizesHint(cpu, memory)),
    };
  }
  if (memory === undefined) return undefined;
  if (cpu === undefined) {
    if ([...FARGATE_SIZES.keys()].some((c) => isValidSize(c, memory))) return undefined;
    return {
      field: fields.memory,
      value: String(memory),
      allowed: `a Fargate memory size in MiB: ${[...FARGATE_SIZES.keys()]
        .map((c) => `${describeMemoriesFor(c)} with ${fields.cpu} ${c}`)
        .join('; ')}`,
    };
  }
  if (isValidSize(cpu, memory)) return undefined;
  return {
    field: fields.memory,
    value: String(memory),
    allowed: `${describeMemoriesFor(cpu)} (MiB) with ${fields.cpu} ${cpu}`,
    ...withHint(nearestSizesHint(cpu, memory)),
  };
}

function nearestSizesHint(cpu: number, memory: number): string | undefined {
  if (!(cpu > 0 && memory > 0 && Number.isFinite(cpu) && Number.isFinite(memory))) return undefined;
  const sizes = nearestSizes(cpu, memory).map((s) => `cpu=${s.cpu} memory=${s.memory}`);
  return `Nearest valid sizes: ${sizes.join(', ')}.`;
}

function withHint(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}
