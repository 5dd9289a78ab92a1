import type { StackEventSummary } from '../core/change-set.js';

/** One plain line per stack event, for pipes and CI: `12:01:02  CREATE_COMPLETE  Table  AWS::DynamoDB::Table`. */
export function formatEventLine(event: StackEventSummary): string {
  const time = event.timestamp.toISOString().slice(11, 19);
  const reason = event.reason ? `  ${event.reason}` : '';
  return `${time}  ${event.status.padEnd(20)} ${event.logicalId}  ${event.resourceType}${reason}`;
}

export function formatOutputs(outputs: Record<string, unknown>): string[] {
  const entries = Object.entries(outputs);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(
    ([key, value]) => `${key.padEnd(width)}  ${Array.isArray(value) ? value.join(',') : String(value)}`,
  );
}
