/**
 * What the completion scripts complete, from oclif's commands and topics (the manifest): command paths
 * with the space separator, aliases, flags with their descriptions, negatable flags and flag values.
 * Pure: no oclif import, so that it is unit tested on plain data.
 */
export interface CompletionFlag {
  /** `--name` */
  name: string;
  char?: string;
  description: string;
  /** Takes a value (`--image IMAGE`), as opposed to a switch (`--spot`). */
  takesValue: boolean;
  /** The fixed values, when there are. */
  values?: string[];
  /** May be given more than once. */
  multiple?: boolean;
}

export interface CompletionCommand {
  /** Words after the binary's name, space-separated: `locks release`. */
  path: string;
  description: string;
  flags: CompletionFlag[];
  /** Fixed values of the first argument, if any. */
  argValues?: string[];
}

export interface CompletionTree {
  bin: string;
  commands: CompletionCommand[];
  /** Every path that is a command or a topic, and what it is about. */
  paths: Map<string, string>;
}

/** The parts of oclif's Command.Cached (a manifest entry) that completion reads. */
export interface CachedFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  summary?: string;
  description?: string;
  options?: readonly string[];
  allowNo?: boolean;
  hidden?: boolean;
  multiple?: boolean;
}

export interface CachedCommand {
  id: string;
  aliases?: string[];
  hidden?: boolean;
  summary?: string;
  description?: string;
  flags: Record<string, CachedFlag>;
  args?: Record<string, { options?: readonly string[] }>;
}

export interface CachedTopic {
  name: string;
  description?: string;
  hidden?: boolean;
}

function firstLineOf(text: string | undefined): string {
  return (
    (text ?? '')
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

const toPath = (id: string): string => id.split(':').join(' ');

function flagsOf(command: CachedCommand, firstLine: (text: string | undefined) => string): CompletionFlag[] {
  const flags: CompletionFlag[] = [];
  for (const flag of Object.values(command.flags)) {
    if (flag.hidden) continue;
    const description = firstLine(flag.summary ?? flag.description);
    const takesValue = flag.type === 'option';
    flags.push({
      name: flag.name,
      ...(flag.char ? { char: flag.char } : {}),
      description,
      takesValue,
      ...(takesValue && flag.options?.length ? { values: [...flag.options] } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    });
    if (flag.type === 'boolean' && flag.allowNo) {
      flags.push({ name: `no-${flag.name}`, description: `Not: ${description}`, takesValue: false });
    }
  }
  if (!flags.some((flag) => flag.name === 'help')) {
    flags.push({ name: 'help', description: 'Show help for this command.', takesValue: false });
  }
  return flags.sort((a, b) => a.name.localeCompare(b.name));
}

export function completionTree(
  bin: string,
  commands: CachedCommand[],
  topics: CachedTopic[],
): CompletionTree {
  // Descriptions may hold oclif's help templates (plugin-help's "Display help for <%= config.bin %>.").
  const firstLine = (text: string | undefined): string =>
    firstLineOf(text).replace(/<%=\s*config\.bin\s*%>/g, bin);
  const result: CompletionCommand[] = [];
  const paths = new Map<string, string>();
  for (const topic of topics) {
    if (!topic.hidden) paths.set(toPath(topic.name), firstLine(topic.description));
  }
  for (const command of commands) {
    if (command.hidden) continue;
    const description = firstLine(command.summary ?? command.description);
    const flags = flagsOf(command, firstLine);
    const argValues = Object.values(command.args ?? {})[0]?.options;
    for (const id of [command.id, ...(command.aliases ?? [])]) {
      const path = toPath(id);
      result.push({ path, description, flags, ...(argValues?.length ? { argValues: [...argValues] } : {}) });
      paths.set(path, description);
    }
  }
  // A topic without a description of its own (a command's topic) still needs to be known as a path.
  for (const path of [...paths.keys()]) {
    const words = path.split(' ');
    for (let i = 1; i < words.length; i++) {
      const prefix = words.slice(0, i).join(' ');
      if (!paths.has(prefix)) paths.set(prefix, '');
    }
  }
  result.sort((a, b) => a.path.localeCompare(b.path));
  return { bin, commands: result, paths };
}

/** The words that may follow `path` (`''` for the binary alone), with their descriptions. */
export function childrenOf(tree: CompletionTree, path: string): { word: string; description: string }[] {
  const depth = path === '' ? 0 : path.split(' ').length;
  const children = new Map<string, string>();
  for (const [candidate, description] of tree.paths) {
    const words = candidate.split(' ');
    if (words.length !== depth + 1) continue;
    if (depth > 0 && words.slice(0, depth).join(' ') !== path) continue;
    children.set(words[depth] as string, description);
  }
  return [...children]
    .map(([word, description]) => ({ word, description }))
    .sort((a, b) => a.word.localeCompare(b.word));
}

/** Every path that has children or flags to complete: the root, the topics and the commands. */
export function completionPaths(tree: CompletionTree): string[] {
  return ['', ...[...tree.paths.keys()].sort()];
}

export function commandAt(tree: CompletionTree, path: string): CompletionCommand | undefined {
  return tree.commands.find((command) => command.path === path);
}
