import { startProxy } from './proxy.js';

/** One AWS request as the proxy saw it. */
export interface SeenRequest {
  /** The operation: `RunTask`, `TransactWriteItems`, ... (the part after the dot of X-Amz-Target). */
  operation: string;
  body: string;
}

export interface KillRule {
  /** Which request triggers the kill, e.g. the first `RunTask`, or an `UpdateItem` whose key is a lock. */
  match: (request: SeenRequest) => boolean;
  /**
   * `after`: forward the request, let AWS apply it, then kill the CLI before it reads the answer.
   * `before`: never forward it (the CLI died just before sending it).
   */
  when: 'before' | 'after';
}

export interface KillProxy {
  url: string;
  requests: SeenRequest[];
  /** Resolves with the request that triggered the kill. */
  triggered: Promise<SeenRequest>;
  /** Sets what to kill when the rule matches (the CLI process, once spawned). */
  setVictim(kill: () => void): void;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the emulator (test/support/proxy.ts) that SIGKILLs the CLI at an exact
 * step of its work: when a given AWS request arrives. With `after`, the request reaches AWS and the
 * answer never reaches the CLI; with `before`, the request is dropped. The connection is then left
 * hanging, so nothing the CLI does after the trigger can reach AWS.
 */
export async function startKillProxy(target: string, rule: KillRule): Promise<KillProxy> {
  const requests: SeenRequest[] = [];
  let victim: (() => void) | undefined;
  let fired = false;
  let resolveTriggered: (request: SeenRequest) => void = () => undefined;
  const triggered = new Promise<SeenRequest>((resolve) => (resolveTriggered = resolve));
  const fire = (request: SeenRequest) => {
    fired = true;
    victim?.();
    resolveTriggered(request);
  };

  const proxy = await startProxy(target, (request, actions) => {
    if (fired) return; // the CLI is dead or dying: nothing more reaches AWS
    const seen = { operation: request.operation, body: request.body.toString() };
    requests.push(seen);
    if (!rule.match(seen)) return actions.forward();
    if (rule.when === 'before') return fire(seen);
    actions.forward({
      swallow: (answer) => {
        answer.resume();
        answer.on('end', () => fire(seen));
      },
    });
  });
  return { ...proxy, requests, triggered, setVictim: (kill) => (victim = kill) };
}

/** A DynamoDB request whose key or item is a lock (`pk = LOCK#...`). */
export function touchesLock(request: SeenRequest): boolean {
  return request.body.includes('"LOCK#');
}
