/**
 * The command context: everything a command's services may use, built once per command by the base
 * command (src/base-command.ts, `context()` and `stackContext()`). A service takes only the part it needs,
 * as `Pick<StackCommandContext, 'store' | 'clock'>` and the like, so that its signature says what it
 * touches and a test builds just that.
 *
 * Nothing here talks to AWS until asked: the SDK clients are made on their first call, the stack is
 * resolved (requireStack: STS and CloudFormation, or the cache) on the first `requireStack()`, and the
 * table on the first `table()`.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { AwsClients } from './aws/clients.js';
import { Cache } from './config/cache.js';
import type { Store } from './aws/store.js';
import type { SkipReport } from './core/items.js';
import type { RunvoySettings } from './core/settings.js';
import type { StackContext } from './services/stack-context.js';
import type { OutputMode } from './ui/output-mode.js';

/** Time, in one place, so that tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleepFor(ms, undefined, signal ? { signal } : undefined);
  },
};

export interface CommandContext {
  /** The AWS clients; each SDK client is made on its first use. */
  readonly clients: AwsClients;
  /** The settings, resolved once (flag > env > config file > default) and typed. */
  readonly settings: RunvoySettings;
  /** Colour, Ink or plain lines, tables, prompts: decided once (src/ui/output-mode.ts). */
  readonly output: OutputMode;
  readonly clock: Clock;
  /** The local cache (cache.json): the stack's outputs, the caller's identity, the team policy. */
  readonly cache: Cache;
  /** Where warnings go: one line each, never on stdout. */
  readonly warn: (message: string) => void;
  /** The stack (`settings.stack`), resolved on the first call and kept; throws STACK_NOT_FOUND (exit 4). */
  requireStack(): Promise<StackContext>;
  /** The stack's table, on the first call. */
  table(): Promise<Store>;
}

/** The context of a command that works in a stack: its stack and table resolved. */
export interface StackCommandContext extends CommandContext {
  readonly stack: StackContext;
  readonly store: Store;
}

export interface ContextInput {
  clients: AwsClients;
  settings: RunvoySettings;
  output: OutputMode;
  warn: (message: string) => void;
  clock?: Clock;
  cache?: Cache;
  /** Where the table's batch reads report the malformed items they skip (default: warn on stderr). */
  skipped?: SkipReport;
  /** Resolves the stack; the default is requireStack from src/services/stack-context.ts. */
  resolveStack?: (clients: AwsClients, stackName: string) => Promise<StackContext>;
}

/** Builds the context; nothing is read from AWS until a member asks. */
export function createCommandContext(input: ContextInput): CommandContext {
  let stack: Promise<StackContext> | undefined;
  let table: Promise<Store> | undefined;
  const resolveStack =
    input.resolveStack ??
    (async (clients: AwsClients, name: string) => {
      const { requireStack } = await import('./services/stack-context.js');
      return requireStack(clients, name);
    });
  const context: CommandContext = {
    clients: input.clients,
    settings: input.settings,
    output: input.output,
    clock: input.clock ?? systemClock,
    cache: input.cache ?? new Cache(),
    warn: input.warn,
    requireStack: () => {
      stack ??= resolveStack(input.clients, input.settings.stack);
      // A failed resolution is not kept: a retry asks again.
      stack.catch(() => (stack = undefined));
      return stack;
    },
    table: () => {
      table ??= (async () => {
        const [{ Store }, resolved, doc] = await Promise.all([
          import('./aws/store.js'),
          context.requireStack(),
          input.clients.documents(),
        ]);
        return new Store(doc, resolved.outputs.tableName, input.skipped ? { skipped: input.skipped } : {});
      })();
      table.catch(() => (table = undefined));
      return table;
    },
  };
  return context;
}

/** The context with its stack and table resolved. */
export async function inStack(context: CommandContext): Promise<StackCommandContext> {
  const [stack, store] = await Promise.all([context.requireStack(), context.table()]);
  return { ...context, stack, store };
}
