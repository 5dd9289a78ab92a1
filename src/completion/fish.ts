import { childrenOf, commandAt, completionPaths, type CompletionTree } from './model.js';

/** A fish single-quoted string. */
export const fishQuote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The fish completion script: `__<bin>_path` finds the command words typed so far (topics and commands,
 * space-separated), and each `complete` line applies at one path.
 */
export function fishScript(tree: CompletionTree): string {
  const bin = tree.bin;
  const fn = `__${bin.replace(/\W/g, '_')}`;
  const known = [...tree.paths.keys()].sort();
  const lines = [
    `# fish completion for ${bin}: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish`,
    `set -g ${fn}_paths ${known.map(fishQuote).join(' ')}`,
    '',
    `function ${fn}_path --description 'The ${bin} command words typed before the cursor'`,
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l path',
    '    for word in $words',
    "        string match -q -- '-*' $word; and break",
    '        set -l next (string join " " $path $word)',
    `        contains -- $next $${fn}_paths; or break`,
    '        set path $path $word',
    '    end',
    '    string join " " $path',
    'end',
    '',
    `function ${fn}_at --description 'Whether the ${bin} command typed so far is exactly $argv[1]'`,
    `    set -l path (${fn}_path)`,
    '    test "$path" = "$argv[1]"',
    'end',
    '',
    `complete -c ${bin} -f`,
  ];
  for (const path of completionPaths(tree)) {
    const at = `-n ${fishQuote(`${fn}_at ${fishQuote(path)}`)}`;
    for (const child of childrenOf(tree, path)) {
      lines.push(`complete -c ${bin} ${at} -a ${fishQuote(child.word)} -d ${fishQuote(child.description)}`);
    }
    const command = commandAt(tree, path);
    if (!command) continue;
    if (command.argValues) {
      lines.push(`complete -c ${bin} ${at} -a ${fishQuote(command.argValues.join(' '))}`);
    }
    for (const flag of command.flags) {
      const parts = [`complete -c ${bin} ${at} -l ${flag.name}`];
      if (flag.char) parts.push(`-s ${flag.char}`);
      parts.push(`-d ${fishQuote(flag.description)}`);
      if (flag.values) parts.push(`-x -a ${fishQuote(flag.values.join(' '))}`);
      else if (flag.takesValue) parts.push('-r -F');
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}
