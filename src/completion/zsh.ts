import { childrenOf, commandAt, completionPaths, type CompletionFlag, type CompletionTree } from './model.js';

/** A zsh single-quoted string. */
const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
const bracketed = (text: string): string => text.replace(/[\\[\]]/g, (c) => `\\${c}`);
const described = (word: string, description: string): string =>
  quote(`${word.replace(/:/g, '\\:')}${description ? `:${description}` : ''}`);

/** One `_arguments` spec per spelling of the flag: `--arch[x86_64 or arm64]:arch:(x86_64 arm64)`. */
function specs(flag: CompletionFlag): string[] {
  const value = flag.values
    ? `:${flag.name}:(${flag.values.join(' ')})`
    : flag.takesValue
      ? `:${flag.name}:_files`
      : '';
  const repeat = flag.multiple ? '*' : '';
  return [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])].map((spelling) =>
    quote(`${repeat}${spelling}[${bracketed(flag.description)}]${value}`),
  );
}

/**
 * The zsh completion script (compsys): the command words typed so far are matched against the known
 * paths; then either the subcommands (`_describe`, with descriptions) or the command's flags and values
 * (`_arguments`) complete the current word.
 */
export function zshScript(tree: CompletionTree): string {
  const bin = tree.bin;
  const fn = `_${bin.replace(/\W/g, '_')}`;
  const paths = completionPaths(tree);
  const childArms: string[] = [];
  const specArms: string[] = [];
  const valueFlagArms: string[] = [];
  for (const path of paths) {
    const children = childrenOf(tree, path);
    if (children.length > 0) {
      childArms.push(
        `    (${quote(path)}) children=(${children.map((c) => described(c.word, c.description)).join(' ')}) ;;`,
      );
    }
    const command = commandAt(tree, path);
    if (!command) continue;
    const all = command.flags.flatMap(specs);
    if (command.argValues) all.push(quote(`1:argument:(${command.argValues.join(' ')})`));
    specArms.push(`    (${quote(path)}) specs=(${all.join(' ')}) ;;`);
    const valueFlags = command.flags
      .filter((f) => f.takesValue)
      .flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]);
    if (valueFlags.length > 0)
      valueFlagArms.push(`    (${quote(path)}) valueflags=(${valueFlags.join(' ')}) ;;`);
  }
  const known = paths.filter((p) => p !== '').map(quote);
  return `#compdef ${bin}
# zsh completion for ${bin}: ${bin} autocomplete zsh > "\${fpath[1]}/_${bin}", or eval "$(${bin} autocomplete zsh)" after compinit
${fn}_known() {
  case "$1" in
    (${known.join('|')}) return 0 ;;
  esac
  return 1
}
${fn}() {
  local cmdpath="" word i n=0
  local -a children specs valueflags
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    [[ $word == -* ]] && break
    if ${fn}_known "\${cmdpath:+$cmdpath }$word"; then
      cmdpath="\${cmdpath:+$cmdpath }$word"
      (( n++ ))
    else
      break
    fi
  done
  case "$cmdpath" in
${childArms.join('\n')}
  esac
  case "$cmdpath" in
${specArms.join('\n')}
  esac
  case "$cmdpath" in
${valueFlagArms.join('\n')}
  esac
  if (( \${#children} )) && [[ \${words[CURRENT]} != -* ]] && (( ! \${valueflags[(Ie)\${words[CURRENT-1]}]} )); then
    _describe -t commands '${bin} command' children
    return
  fi
  # _arguments reads the command's own words: drop the command path.
  words=("\${words[1]}" "\${(@)words[$((n + 2)),-1]}")
  (( CURRENT -= n ))
  _arguments -s -S "\${specs[@]}" '*:argument:_files'
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`;
}
