import type { Store } from '../aws/store.js';
import { RunvoyError, UsageError, validationError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { normaliseIdPrefix, validateIdPrefix } from '../core/ids.js';

/** Checks an execution ID or prefix before any AWS call (exit 2 when malformed). */
export function checkIdArgument(text: string, field = 'ID'): string {
  const issue = validateIdPrefix(text, field);
  if (issue) throw validationError([issue]);
  return normaliseIdPrefix(text);
}

/**
 * The execution an ID or unique prefix names, as with git and docker. An ambiguous prefix is a usage
 * error (exit 2) that lists the candidates.
 */
export async function resolveExecution(store: Store, idOrPrefix: string): Promise<ExecutionRecord> {
  const prefix = checkIdArgument(idOrPrefix);
  const direct = await store.getExecution(prefix);
  if (direct) return direct;
  const ids = await store.idsWithPrefix(prefix, 11);
  if (ids.length > 1) {
    throw new UsageError({
      what: `The ID prefix "${prefix}" is ambiguous: it matches ${ids.length > 10 ? 'more than 10' : ids.length} executions.`,
      why: `Candidates: ${ids.slice(0, 10).join(', ')}`,
      fix: 'Give more characters of the ID.',
      code: 'AMBIGUOUS_ID',
      data: { candidates: ids.slice(0, 10) },
    });
  }
  const record = ids[0] ? await store.getExecution(ids[0]) : undefined;
  if (!record) {
    throw new RunvoyError({
      what: `No execution matches "${prefix}".`,
      why: 'It may belong to another stack or region, or it is older than the retention of the history.',
      fix: 'List recent executions with `runvoy list` (and check --stack and --region).',
      code: 'EXECUTION_NOT_FOUND',
    });
  }
  return record;
}
