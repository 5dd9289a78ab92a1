import { describe, expect, it } from 'vitest';
import { bashScript } from '../../../src/completion/bash.js';
import { fishQuote, fishScript } from '../../../src/completion/fish.js';
import { childrenOf, completionTree, type CachedCommand } from '../../../src/completion/model.js';
import { zshScript } from '../../../src/completion/zsh.js';
import { choices } from '../../../src/flag-choices.js';

const commands: CachedCommand[] = [
  {
    id: 'run',
    summary: 'Run a command.',
    flags: {
      arch: {
        name: 'arch',
        type: 'option',
        description: 'x86_64 or arm64 [config: arch].',
        options: ['x86_64', 'arm64'],
      },
      image: { name: 'image', char: 'i', type: 'option', description: 'Container image.' },
      spot: { name: 'spot', type: 'boolean', description: 'Run on Spot.', allowNo: true },
      env: { name: 'env', char: 'e', type: 'option', description: 'K=V.', multiple: true },
      secret: { name: 'secret', type: 'option', description: 'Hidden.', hidden: true },
    },
  },
  { id: 'locks:list', summary: 'List locks.', flags: {} },
  { id: 'list', summary: 'Recent executions.', aliases: ['ps'], flags: {} },
  { id: 'logs', description: 'Print logs.\nMore text.', flags: {} },
  { id: 'help', summary: 'Display help for <%= config.bin %>.', flags: {} },
  { id: 'secret', summary: 'Hidden command.', hidden: true, flags: {} },
];
const tree = completionTree('runvoy', commands, [
  { name: 'locks', description: 'Inspect and release named locks.' },
]);

describe('the completion tree', () => {
  it('has topics with the space separator, aliases, and no hidden commands', () => {
    expect(childrenOf(tree, '').map((c) => c.word)).toEqual(['help', 'list', 'locks', 'logs', 'ps', 'run']);
    expect(childrenOf(tree, 'locks')).toEqual([{ word: 'list', description: 'List locks.' }]);
    expect(childrenOf(tree, '').find((c) => c.word === 'logs')?.description).toBe('Print logs.');
    expect(childrenOf(tree, '').find((c) => c.word === 'help')?.description).toBe('Display help for runvoy.');
  });

  it('has flags with values, negations, repeats and --help, and no hidden flags', () => {
    const run = tree.commands.find((c) => c.path === 'run');
    expect(run?.flags.map((f) => f.name)).toEqual(['arch', 'env', 'help', 'image', 'no-spot', 'spot']);
    expect(run?.flags.find((f) => f.name === 'arch')).toMatchObject({
      takesValue: true,
      values: ['x86_64', 'arm64'],
    });
    expect(run?.flags.find((f) => f.name === 'env')).toMatchObject({
      char: 'e',
      multiple: true,
      takesValue: true,
    });
    expect(run?.flags.find((f) => f.name === 'no-spot')).toMatchObject({ takesValue: false });
  });
});

describe('the scripts', () => {
  it('fish: one complete line per word and flag, values exclusive, quotes escaped', () => {
    const script = fishScript(tree);
    expect(script).toContain(
      "complete -c runvoy -n '__runvoy_at \\'run\\'' -l arch -d 'x86_64 or arm64 [config: arch].' -x -a 'x86_64 arm64'",
    );
    expect(script).toContain("complete -c runvoy -n '__runvoy_at \\'\\'' -a 'ps' -d 'Recent executions.'");
    expect(script).toContain("-l image -s i -d 'Container image.' -r -F");
    expect(script).toContain("-l no-spot -d 'Not: Run on Spot.'");
    expect(fishQuote("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });

  it('bash: words, flags and fixed values by command path', () => {
    const script = bashScript(tree);
    expect(script).toContain("'locks') echo 'list' ;;");
    expect(script).toContain("'run --arch') echo 'x86_64 arm64' ;;");
    expect(script).toContain("'run -i') return 0 ;;");
    expect(script).toContain('complete -F _runvoy runvoy');
  });

  it('zsh: _describe for words, _arguments specs with values and repeats', () => {
    const script = zshScript(tree);
    expect(script).toContain("'locks:Inspect and release named locks.'");
    expect(script).toContain("'--arch[x86_64 or arm64 \\[config: arch\\].]:arch:(x86_64 arm64)'");
    expect(script).toContain("'*--env[K=V.]:env:_files'");
    expect(script).toMatch(/^#compdef runvoy\n/);
  });
});

describe('choices', () => {
  it('lists the values as strings, and leaves validation to the command', () => {
    const values = choices(['a', 2]);
    expect([...values]).toEqual(['a', '2']);
    expect(JSON.stringify(values)).toBe('["a","2"]');
    expect(values.includes('anything')).toBe(true);
  });
});
