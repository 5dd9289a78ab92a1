import { Args } from '@oclif/core';
import { basename } from 'node:path';
import { RunvoyCommand } from '../base-command.js';
import { UsageError } from '../core/errors.js';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionTree, type CachedCommand, type CachedTopic } from '../completion/model.js';
import { zshScript } from '../completion/zsh.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

interface AutocompleteResult {
  shell: Shell;
  script: string;
}

export default class Autocomplete extends RunvoyCommand<AutocompleteResult> {
  static override summary = 'Print the completion script for bash, zsh or fish.';
  static override description = `Completes commands, topics, aliases, flags and flag values. Load it:

  bash  eval "$(runvoy autocomplete bash)"                          (in ~/.bashrc)
  zsh   eval "$(runvoy autocomplete zsh)"                           (in ~/.zshrc, after compinit)
  fish  runvoy autocomplete fish > ~/.config/fish/completions/runvoy.fish

Without SHELL, the shell is the one $SHELL names. Homebrew installs all three for you.`;

  static override examples = ['<%= config.bin %> autocomplete bash', '<%= config.bin %> autocomplete fish'];

  static override args = {
    shell: Args.string({ description: 'bash, zsh or fish.', options: [...SHELLS] }),
  };

  protected async execute(): Promise<AutocompleteResult> {
    const { args } = await this.parse(Autocomplete);
    const shell = (args.shell ?? basename(process.env.SHELL ?? '')) as Shell;
    if (!SHELLS.includes(shell)) {
      throw new UsageError({
        what: `No completion for the shell "${shell || '(none: SHELL is not set)'}".`,
        fix: `Name one: ${this.config.bin} autocomplete bash|zsh|fish.`,
        code: 'USAGE',
      });
    }
    const tree = completionTree(
      this.config.bin,
      this.config.commands as unknown as CachedCommand[],
      this.config.topics as unknown as CachedTopic[],
    );
    const script = shell === 'bash' ? bashScript(tree) : shell === 'zsh' ? zshScript(tree) : fishScript(tree);
    return { shell, script };
  }

  protected render(result: AutocompleteResult): void {
    process.stdout.write(result.script);
  }
}
