import { childrenOf, commandAt, completionPaths, type CompletionTree } from './model.js';

/** A bash single-quoted string. */
const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

function caseArms(entries: [string, string][], indent: string): string[] {
  return entries.map(([pattern, body]) => `${indent}${quote(pattern)}) ${body} ;;`);
}

/**
 * The bash completion script (bash 3.2 and later, no associative arrays): the command words typed so
 * far are matched against the known paths, then the current word is completed with the subcommands,
 * the flags, or the values of the flag before it.
 */
export function bashScript(tree: CompletionTree): string {
  const bin = tree.bin;
  const fn = `_${bin.replace(/\W/g, '_')}`;
  const paths = completionPaths(tree);
  const words: [string, string][] = [];
  const flags: [string, string][] = [];
  const valueFlags: [string, string][] = [];
  const values: [string, string][] = [];
  for (const path of paths) {
    const command = commandAt(tree, path);
    const children = childrenOf(tree, path).map((c) => c.word);
    const all = [...children, ...(command?.argValues ?? [])];
    if (all.length > 0) words.push([path, `echo ${quote(all.join(' '))}`]);
    if (!command) continue;
    flags.push([
      path,
      `echo ${quote(command.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]).join(' '))}`,
    ]);
    for (const flag of command.flags.filter((f) => f.takesValue)) {
      for (const spelling of [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])]) {
        valueFlags.push([`${path} ${spelling}`, 'return 0']);
        if (flag.values) values.push([`${path} ${spelling}`, `echo ${quote(flag.values.join(' '))}`]);
      }
    }
  }
  const known = paths.filter((p) => p !== '');
  return `# bash completion for ${bin}: eval "$(${bin} autocomplete bash)" in ~/.bashrc
${fn}_known() {
  case "$1" in
${caseArms(
  known.map((p) => [p, 'return 0']),
  '    ',
).join('\n')}
  esac
  return 1
}
${fn}_words() {
  case "$1" in
${caseArms(words, '    ').join('\n')}
  esac
}
${fn}_flags() {
  case "$1" in
${caseArms(flags, '    ').join('\n')}
  esac
}
${fn}_takes_value() {
  case "$1" in
${caseArms(valueFlags, '    ').join('\n')}
  esac
  return 1
}
${fn}_values() {
  case "$1" in
${caseArms(values, '    ').join('\n')}
  esac
}
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case "$word" in -*) break ;; esac
    if ${fn}_known "\${path:+$path }$word"; then path="\${path:+$path }$word"; else break; fi
  done
  if [[ $prev == -* ]] && ${fn}_takes_value "$path $prev"; then
    local fixed
    fixed=$(${fn}_values "$path $prev")
    if [[ -n $fixed ]]; then
      COMPREPLY=($(compgen -W "$fixed" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
  fi
  return 0
}
complete -F ${fn} ${bin}
`;
}
