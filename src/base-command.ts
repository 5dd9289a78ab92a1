import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { ConfigStore } from './config/store.js';
import { ExitCode, RunvoyError } from './core/errors.js';
import {
  resolveSettings,
  typedSettings,
  type RunvoySettings,
  type SourcedSettings,
} from './core/settings.js';
import { hintCommand, withHintFlags, type HintFlags } from './core/hint.js';
import type { ConfigKey, ConfigRecord } from './core/config-schema.js';
import { createCommandContext, inStack, type CommandContext, type StackCommandContext } from './context.js';
import type { AwsClients } from './aws/clients.js';
import type { AwsCall } from './aws/call-observer.js';
import type { AwsWait } from './aws/watchdog.js';
import { waitingLine } from './ui/aws-wait.js';
import { formatError } from './ui/error-view.js';
import { errorDocument, streamEvent, successDocument, type JsonWarning } from './ui/json-envelope.js';
import { parseErrorToUsage } from './ui/parse-error.js';
import { toJson } from './ui/json-output.js';
import { outputMode, type OutputMode } from './ui/output-mode.js';
import { stylist } from './ui/style.js';
import { skippedItemWarning } from './core/items.js';
import type { AttachView } from './ui/attach-views.js';

export type Settings = SourcedSettings;

type FlagOutput = { [name: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- oclif's own bound
type ArgOutput = { [name: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- oclif's own bound

/**
 * The base of every runvoy command: the global flags of SPEC section 3, settings with their
 * precedence, AWS clients made on first use, JSON mode, and one error handler that maps every error to
 * an exit code and to what happened, why, and what to do.
 *
 * A command's services get what they need from one context (src/context.ts), built once on the first
 * `context()` or `stackContext()`: clients, stack, table, typed settings, output mode, clock, warnings.
 *
 * A command implements `execute()` (returns its typed result, printed as JSON under --json) and
 * `render()` (the human form). It may set `this.exitStatus` for a non-zero exit that is not an error.
 *
 * Under --json stdout carries one envelope (ui/json-envelope.ts, docs/json.md): `{ok, exitCode, result,
 * warnings}` or `{ok: false, error, warnings}`; a command whose output is a stream of NDJSON events sets
 * `jsonStream` and ends its stream with that envelope as a `result` or `error` event.
 */
export abstract class RunvoyCommand<T> extends Command {
  static override enableJsonFlag = true;
  /** --json prints NDJSON events (`run`, `logs`), not one document. */
  static jsonStream = false;

  static override baseFlags = {
    profile: Flags.string({ description: 'AWS profile to use.', helpGroup: 'GLOBAL' }),
    region: Flags.string({ description: 'AWS region.', helpGroup: 'GLOBAL' }),
    stack: Flags.string({
      description: 'runvoy stack name [env: RUNVOY_STACK, default: runvoy].',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({
      description: 'Print each AWS call, its duration and request ID on stderr.',
      helpGroup: 'GLOBAL',
    }),
  };

  protected exitStatus: number = ExitCode.Ok;
  protected globalFlags!: Interfaces.InferredFlags<typeof RunvoyCommand.baseFlags>;
  /** Colour, Ink or plain lines, boxed tables: decided once, in ui/output-mode.ts. */
  protected readonly output: OutputMode = outputMode({ json: this.jsonEnabled() });
  protected readonly paint = stylist(this.output.colour.stdout);
  protected readonly paintErr = stylist(this.output.colour.stderr);
  /** Warnings said under --json: they go into the envelope (or are events of a stream), not to stderr. */
  private readonly warnings: JsonWarning[] = [];
  private configStore: ConfigStore | undefined;
  private resolved: RunvoySettings | undefined;
  private clients: AwsClients | undefined;
  private built: CommandContext | undefined;
  /** What init() parsed: `parse()` gives it back, so that flags are parsed once. */
  private parsedOnce: unknown;

  protected abstract execute(): Promise<T>;
  protected abstract render(result: T): void;

  public async run(): Promise<T> {
    const result = await this.execute();
    if (!this.jsonEnabled()) this.render(result);
    return result;
  }

  public override async init(): Promise<void> {
    await super.init();
    const parsed = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof RunvoyCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.parsedOnce = parsed;
    const { flags } = parsed;
    this.globalFlags = flags as Interfaces.InferredFlags<typeof RunvoyCommand.baseFlags>;
    // The SDK warns about Node versions it will drop; nobody can act on that mid-command.
    if (!this.globalFlags.debug) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }

  /**
   * The command's flags and arguments, as init() parsed them: `this.parse(Command)` in execute() does not
   * parse again. A parse of other input (another argv, or before init) is done as asked.
   */
  protected override async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv: string[] = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const own = options === undefined || options === (this.ctor as unknown);
    if (own && argv === this.argv && this.parsedOnce)
      return this.parsedOnce as Interfaces.ParserOutput<F, B, A>;
    return super.parse(options, argv);
  }

  protected get configFile(): ConfigStore {
    this.configStore ??= new ConfigStore();
    return this.configStore;
  }

  /** Every setting with its source, resolved flag > env > config file > default. */
  protected settings(): Settings {
    return this.typedSettings().sources;
  }

  /** The settings as typed values, resolved once. */
  protected typedSettings(): RunvoySettings {
    this.resolved ??= typedSettings(
      resolveSettings({
        flags: {
          profile: this.globalFlags.profile,
          region: this.globalFlags.region,
          stack: this.globalFlags.stack,
          ...this.settingFlags(),
        },
        env: process.env,
        file: this.configValues(),
      }),
    );
    return this.resolved;
  }

  /** The config file's values for `settings()`; a broken file throws its what/why/fix (exit 2). */
  protected configValues(): ConfigRecord {
    return this.configFile.values();
  }

  /** Command flags that override config keys (e.g. `run --cpu`). */
  protected settingFlags(): Partial<Record<ConfigKey, string | number | boolean | undefined>> {
    return {};
  }

  protected async aws(): Promise<AwsClients> {
    if (!this.clients) {
      const settings = this.typedSettings();
      const { AwsClients } = await import('./aws/clients.js');
      this.clients = new AwsClients({
        region: settings.region,
        profile: settings.profile,
        observer: this.globalFlags.debug ? (call) => this.debugCall(call) : undefined,
        timeoutMs: settings.awsTimeoutMs,
        onWaiting: (wait) => this.awsWaiting(wait),
      });
    }
    return this.clients;
  }

  /** The stack's table, once resolved: named in the warnings about malformed items. */
  private tableName: string | undefined;

  /** The command context (src/context.ts), built on the first call; resolving settings may throw (exit 2). */
  protected async context(): Promise<CommandContext> {
    if (!this.built) {
      const clients = await this.aws();
      this.built ??= createCommandContext({
        clients,
        settings: this.typedSettings(),
        output: this.output,
        // Under --json, warnings and the malformed items a read skips go into the envelope.
        warn: (message) => this.warning(message),
        skipped: (bad) => this.warning(skippedItemWarning(bad, this.tableName ?? 'the table')),
        resolveStack: async (clients, name) => {
          const { requireStack } = await import('./services/stack-context.js');
          const stack = await requireStack(clients, name);
          this.tableName = stack.outputs.tableName;
          return stack;
        },
      });
    }
    return this.built;
  }

  /** The context with the stack and its table resolved (STACK_NOT_FOUND, exit 4, when there is none). */
  protected async stackContext(): Promise<StackCommandContext> {
    return inStack(await this.context());
  }

  private debugCall(call: AwsCall): void {
    const outcome = call.error ? ` ${this.paintErr('red', call.error)}` : '';
    const attempts = call.attempts && call.attempts > 1 ? ` attempts=${call.attempts}` : '';
    process.stderr.write(
      this.paintErr(
        'dim',
        `[aws] ${call.service} ${call.operation} ${Math.round(call.durationMs)}ms requestId=${call.requestId ?? '-'}${attempts}`,
      ) + `${outcome}\n`,
    );
  }

  /**
   * A request that has had no answer for a few seconds: said on stderr in every mode (--json and --debug
   * too), since stdout carries data; in the live view of an attach session, on screen.
   */
  protected awsWaiting(wait: AwsWait): void {
    if (this.attachView?.awsWaiting) this.attachView.awsWaiting(waitingLine(wait));
    else process.stderr.write(`${this.paintErr('yellow', waitingLine(wait))}\n`);
  }

  /** The view of an attach session while it is on screen (ui/attach-session.ts): slow-AWS notices go there. */
  protected attachView: Pick<AttachView, 'awsWaiting'> | undefined;

  /** What an attach session (`run`, `logs --follow`) takes from the command: its output, stderr, events. */
  protected sessionIo() {
    return {
      output: this.output,
      note: (text: string) => this.note(text),
      emit: (type: string, fields: object) => this.emitEvent(type, fields),
      debug: Boolean(this.globalFlags.debug),
      onView: (view: AttachView | undefined) => (this.attachView = view),
    };
  }

  /** Writes progress and diagnostics to stderr, which never carries data. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${this.withHints(message)}\n`);
  }

  /**
   * Something skipped or not done that does not stop the command (a malformed record, say): a line on
   * stderr, or under --json a warning in the envelope (an event in a stream), where a script sees it.
   */
  protected warning(message: string): void {
    if (!this.jsonOutput()) {
      process.stderr.write(`${this.withHints(message)}\n`);
      return;
    }
    const warning = { message: message.replace(/^Warning:\s*/, '') };
    if (this.isJsonStream()) this.emitEvent('warning', warning);
    else this.warnings.push(warning);
  }

  /** Whether stdout carries the JSON envelope: --json, or a command's own `--format json`. */
  protected jsonOutput(): boolean {
    return this.jsonEnabled();
  }

  private isJsonStream(): boolean {
    return (this.ctor as unknown as { jsonStream?: boolean }).jsonStream === true;
  }

  /** One NDJSON event on stdout (docs/json.md, schemas/event.schema.json). */
  protected emitEvent(type: string, fields: object): void {
    process.stdout.write(`${toJson(streamEvent(type, fields))}\n`);
  }

  /** The envelope of a result; a stream's last event. */
  public override toSuccessJson(result: unknown): object {
    const document = successDocument(result, this.exitStatus, this.warnings);
    return this.isJsonStream() ? streamEvent('result', document) : document;
  }

  /** The --stack, --region and --profile given on the command line, for hints to repeat. */
  protected hintFlags(): HintFlags {
    const { stack, region, profile } = this.globalFlags ?? {};
    return { stack, region, profile };
  }

  /** `runvoy ARGS` with the user's global flags, to tell the user what to run next. */
  protected hint(...args: string[]): string {
    return hintCommand(args, this.hintFlags());
  }

  /** Every `runvoy ...` command in a message, with the user's global flags (see core/hint.ts). */
  protected withHints(text: string): string {
    const commands = new Set(
      [...this.config.commandIDs, ...this.config.commands.flatMap((c) => c.aliases)].map(
        (id) => id.split(':')[0] ?? id,
      ),
    );
    return withHintFlags(text, this.hintFlags(), commands);
  }

  public override logJson(json: unknown): void {
    process.stdout.write(`${toJson(json, this.isJsonStream() ? undefined : 2)}\n`);
  }

  public override async catch(error: unknown): Promise<never> {
    if (error instanceof Errors.ExitError) throw error;
    const runvoyError = this.withErrorHints(await this.toRunvoyError(error));
    if (this.jsonEnabled()) {
      const document = errorDocument(runvoyError, this.warnings);
      this.logJson(this.isJsonStream() ? streamEvent('error', document) : document);
    } else process.stderr.write(`${formatError(runvoyError, this.paintErr)}\n`);
    if (this.globalFlags?.debug && runvoyError.cause instanceof Error && runvoyError.cause.stack) {
      process.stderr.write(`${runvoyError.cause.stack}\n`);
    }
    this.clients?.destroy();
    this.exit(runvoyError.exitCode);
  }

  private withErrorHints(error: RunvoyError): RunvoyError {
    const [what, why, fix] = [error.what, error.why, error.fix].map((t) => t && this.withHints(t));
    if (what === error.what && why === error.why && fix === error.fix) return error;
    return new RunvoyError({ ...error, what: what ?? error.what, why, fix, cause: error.cause });
  }

  private async toRunvoyError(error: unknown): Promise<RunvoyError> {
    if (error instanceof RunvoyError) return error;
    if (error instanceof Errors.CLIError && (error.oclif?.exit === 2 || isParseError(error))) {
      return parseErrorToUsage(error, [this.config.bin, ...(this.id ?? '').split(':')].join(' ').trim());
    }
    if (looksLikeAwsError(error)) {
      const { toRunvoyError } = await import('./aws/errors.js');
      return toRunvoyError(error);
    }
    const err = error instanceof Error ? error : new Error(String(error));
    return new RunvoyError({
      what: `runvoy hit an unexpected error: ${err.message}`,
      fix: 'Run the command again with --debug and report the output as an issue.',
      code: 'INTERNAL',
      cause: err,
    });
  }

  public override async finally(error: Error | undefined): Promise<void> {
    this.clients?.destroy();
    if (!error && this.exitStatus !== ExitCode.Ok) process.exitCode = this.exitStatus;
    await super.finally(error);
  }
}

function isParseError(error: Error): boolean {
  return 'parse' in error || /flag|argument/i.test(error.constructor.name);
}

function looksLikeAwsError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  return (
    '$metadata' in error ||
    Symbol.for('runvoy.awsErrorOrigin') in error ||
    ['CredentialsProviderError', 'ProviderError', 'TokenProviderError', 'TimeoutError'].includes(
      (error as Error).name,
    ) ||
    /region is missing|could not load credentials/i.test((error as Error).message ?? '')
  );
}
