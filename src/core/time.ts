/**
 * The one way runvoy shows a point in time to people: ISO 8601 in UTC, to the second
 * (`2026-05-01T12:00:05Z`). JSON keeps full ISO strings (with milliseconds); see ui/json-output.ts.
 */
export function isoSeconds(value: string | number | Date | undefined | null): string {
  if (value === undefined || value === null || value === '') return '-';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
