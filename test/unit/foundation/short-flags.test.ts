import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { RESERVED_SHORT_FLAGS, SHORT_FLAGS } from '../../../src/core/short-flags.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const COMMANDS = join(ROOT, 'src/commands');

interface FlagLike {
  char?: string;
}
interface CommandClass {
  flags?: Record<string, FlagLike>;
  baseFlags?: Record<string, FlagLike>;
}

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? commandFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

interface ShortFlag {
  command: string;
  flag: string;
  char: string;
}

/** Every one-letter flag of runvoy's own commands, read from the sources (no build needed). */
async function ownShortFlags(): Promise<ShortFlag[]> {
  const found: ShortFlag[] = [];
  for (const file of commandFiles(COMMANDS)) {
    const command = file
      .slice(COMMANDS.length + 1, -3)
      .replace(/\/index$/, '')
      .replaceAll('/', ' ');
    const { default: cls } = (await import(pathToFileURL(file).href)) as { default: CommandClass };
    const flags = { ...cls.baseFlags, ...cls.flags };
    for (const [flag, def] of Object.entries(flags)) {
      if (def.char) found.push({ command, flag, char: def.char });
    }
  }
  return found;
}

/** The one-letter flags of the plugins' commands (help, autocomplete), as oclif loads them. */
async function pluginShortFlags(): Promise<ShortFlag[]> {
  // oclif loads the plugins named in package.json only from `dependencies`; runvoy bundles them, so they
  // are devDependencies: name them as dependencies here, as the bundle build does.
  const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    oclif: { plugins: string[] };
    devDependencies: Record<string, string>;
  };
  const dependencies = Object.fromEntries(pjson.oclif.plugins.map((p) => [p, pjson.devDependencies[p]]));
  const config = await Config.load({ root: ROOT, pjson: { ...pjson, dependencies } as never });
  return config.commands
    .filter((c) => c.pluginName !== 'runvoy')
    .flatMap((c) =>
      Object.entries(c.flags)
        .filter(([, def]) => def.char)
        .map(([flag, def]) => ({ command: c.id, flag, char: def.char as string })),
    );
}

// Plugins' own letters that mean something else in runvoy's table, each with why it is left as it is.
const PLUGIN_EXCEPTIONS: Record<string, string> = {
  // `runvoy help -n` lists nested commands: help never takes a count, so it cannot be mistaken.
  'help -n': '@oclif/plugin-help --nested-commands',
};

describe('short flags mean one thing across commands', () => {
  it('every one-letter flag of every runvoy command is the flag SHORT_FLAGS lists for that letter', async () => {
    const flags = await ownShortFlags();
    expect(flags.length).toBeGreaterThan(5);
    const wrong = flags.filter(
      ({ char, flag }) =>
        !(SHORT_FLAGS[char as keyof typeof SHORT_FLAGS]?.flags as readonly string[] | undefined)?.includes(
          flag,
        ),
    );
    expect(wrong.map((f) => `${f.command}: -${f.char} is --${f.flag}`)).toEqual([]);
  });

  it('no letter is used for two different meanings', async () => {
    const byChar = new Map<string, Set<string>>();
    for (const { char, flag } of await ownShortFlags())
      byChar.set(char, (byChar.get(char) ?? new Set()).add(flag));
    for (const [char, names] of byChar) {
      const entry = SHORT_FLAGS[char as keyof typeof SHORT_FLAGS];
      expect(entry, `-${char}`).toBeDefined();
      // Two long names on one letter only where the table says they are one meaning.
      for (const name of names) expect(entry.flags as readonly string[]).toContain(name);
    }
  });

  it('-h and -v are taken by no flag, in runvoy or in its plugins', async () => {
    const all = [...(await ownShortFlags()), ...(await pluginShortFlags())];
    const reserved = all.filter(({ char }) => char in RESERVED_SHORT_FLAGS);
    expect(reserved.map((f) => `${f.command}: -${f.char} is --${f.flag}`)).toEqual([]);
  });

  it("the plugins' letters agree with the table, or are a listed exception", async () => {
    const plugins = await pluginShortFlags();
    // The walk reaches the plugins' commands.
    expect(plugins).toContainEqual({ command: 'help', flag: 'nested-commands', char: 'n' });
    const clashes = plugins.filter(({ command, char, flag }) => {
      const entry = SHORT_FLAGS[char as keyof typeof SHORT_FLAGS];
      if (!entry || (entry.flags as readonly string[]).includes(flag)) return false;
      return !(`${command} -${char}` in PLUGIN_EXCEPTIONS);
    });
    expect(clashes).toEqual([]);
  });

  it('the table itself: one meaning per letter, and no reserved letter in it', () => {
    for (const char of Object.keys(SHORT_FLAGS)) {
      expect(char).toMatch(/^[a-z]$/);
      expect(char in RESERVED_SHORT_FLAGS).toBe(false);
    }
  });
});
