import { Readable } from 'node:stream';

/** The text of a 403, kept on the raw response (an error's `$response`). */
export const REFUSAL_BODY = Symbol.for('runvoy.refusalBody');

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
  [REFUSAL_BODY]?: string;
}
type Handler = (args: unknown) => Promise<{ response?: unknown }>;
interface MiddlewareStackLike {
  add(
    middleware: (next: Handler) => Handler,
    options: { step: 'deserialize'; name: string; priority: 'low' },
  ): void;
}

/**
 * Keeps the body of a 403 (a refusal: a few hundred bytes). An emulator enforcing IAM (moto) answers a
 * JSON service's request that IAM refuses with an XML AccessDenied document (as text/html), which the
 * SDK cannot parse: the error it
 * throws then says only "Unexpected token". With the body kept, the refusal can still be read (which
 * action, on what). Runs between the SDK's deserializer and the HTTP handler, and gives the deserializer
 * the same bytes.
 */
export function attachRefusalBody(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawResponse | undefined;
      const body = response?.body as AsyncIterable<Uint8Array> | undefined;
      if (response?.statusCode === 403 && body && Symbol.asyncIterator in body) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk));
        const bytes = Buffer.concat(chunks);
        response.body = Readable.from([bytes]);
        Object.defineProperty(response, REFUSAL_BODY, { value: bytes.toString('utf8'), enumerable: false });
      }
      return result;
    },
    { step: 'deserialize', name: 'runvoyRefusalBody', priority: 'low' },
  );
}
