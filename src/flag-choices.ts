/**
 * A flag's fixed set of values, declared as oclif `options` so that help, the manifest and the shell
 * completion scripts list them, while the command keeps validating the value itself, as it did before:
 * case-insensitively where it does, with every bad flag of the command reported at once and SPEC's
 * exit 2 message. oclif checks `options.includes(value)` before anything else and stops at the first
 * bad flag; this list says yes to every value, so that check is left to the command.
 */
export function choices(values: readonly (string | number)[]): string[] {
  const list = values.map(String);
  Object.defineProperty(list, 'includes', { value: () => true, enumerable: false });
  return list;
}
