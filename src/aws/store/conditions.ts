/**
 * A condition that holds only while the item is still exactly as it was read (every top-level attribute,
 * by value for scalars, by presence for lists, maps and sets): for writes that act on an item runvoy
 * could not decode, so that nothing is built on a version of it that someone has changed since.
 */
export function unchangedSinceRead(item: Record<string, unknown>): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  Object.entries(item).forEach(([attribute, value], index) => {
    if (attribute === 'pk' || attribute === 'sk') return;
    names[`#r${index}`] = attribute;
    if (value === null) {
      values[`:r${index}`] = 'NULL';
      parts.push(`attribute_type(#r${index}, :r${index})`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values[`:r${index}`] = value;
      parts.push(`#r${index} = :r${index}`);
    } else {
      parts.push(`attribute_exists(#r${index})`);
    }
  });
  // Attributes whose absence made the item malformed must still be absent.
  for (const attribute of ['version', 'fence', 'state', 'status', 'name', 'id', 'createdAt']) {
    if (attribute in item) continue;
    names[`#m_${attribute}`] = attribute;
    parts.push(`attribute_not_exists(#m_${attribute})`);
  }
  return { expression: ['attribute_exists(pk)', ...parts].join(' AND '), names, values };
}

/** The expression, names and values of unchangedSinceRead() as a write's parameters. */
export function unchangedSinceReadParams(item: Record<string, unknown>): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  const condition = unchangedSinceRead(item);
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: condition.names,
    ...(Object.keys(condition.values).length ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}

export function isTransactionCancelled(error: unknown): boolean {
  return (error as Error)?.name === 'TransactionCanceledException';
}
