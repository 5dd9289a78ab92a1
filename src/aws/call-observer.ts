export interface AwsCall {
  service: string;
  operation: string;
  durationMs: number;
  requestId?: string;
  attempts?: number;
  error?: string;
}

export type CallObserver = (call: AwsCall) => void;

/** Where an AWS error came from, attached by the middleware so that error messages can name it. */
export interface AwsErrorOrigin {
  service: string;
  operation: string;
}

export const ORIGIN = Symbol.for('runvoy.awsErrorOrigin');

interface MiddlewareContext {
  commandName?: string;
}
interface Metadata {
  $metadata?: { requestId?: string; attempts?: number };
}
type Handler = (args: unknown) => Promise<{ output: Metadata }>;
interface MiddlewareStackLike {
  add(
    middleware: (next: Handler, context: MiddlewareContext) => Handler,
    options: { step: 'initialize'; name: string },
  ): void;
}

/** Times every call, reports it to the observer (for --debug), and labels errors with their origin. */
export function attachCallObserver(
  client: { middlewareStack: unknown },
  service: string,
  observer: CallObserver | undefined,
): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const started = performance.now();
      try {
        const result = await next(args);
        observer?.({
          service,
          operation,
          durationMs: performance.now() - started,
          requestId: result.output.$metadata?.requestId,
          attempts: result.output.$metadata?.attempts,
        });
        return result;
      } catch (error) {
        const meta = (error as Metadata).$metadata;
        observer?.({
          service,
          operation,
          durationMs: performance.now() - started,
          requestId: meta?.requestId,
          attempts: meta?.attempts,
          error: (error as Error).name,
        });
        if (error && typeof error === 'object' && !(ORIGIN in error)) {
          Object.defineProperty(error, ORIGIN, { value: { service, operation }, enumerable: false });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'runvoyCallObserver' },
  );
}
