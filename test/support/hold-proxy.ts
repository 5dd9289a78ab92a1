import { startProxy, type InterceptedRequest } from './proxy.js';

export interface HoldProxy {
  url: string;
  /** Operations seen, in order. */
  seen: string[];
  /** Resolves when the first request that `hold` matches has arrived (it is then held, not forwarded). */
  held: Promise<InterceptedRequest>;
  /** Forwards the held request to the emulator (once); its answer goes back to the caller as usual. */
  release(): void;
  /**
   * Resolves with the emulator's HTTP status for the held request once it has answered it (after
   * `release()`), whether or not its caller is still waiting (a caller that gave up has its request
   * carried out all the same, as AWS does with a request it received).
   */
  answered: Promise<number>;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the emulator that holds the first request `hold` matches until the test
 * calls `release()`: a slow AWS call whose moment of arrival the test chooses (a RunTask that ECS carries
 * out only after something else has happened). Every other request passes through.
 */
export async function startHoldProxy(
  target: string,
  hold: (request: InterceptedRequest) => boolean,
): Promise<HoldProxy> {
  const seen: string[] = [];
  let holding = false;
  let releaseHeld: () => void = () => undefined;
  let released = false;
  let resolveHeld: (request: InterceptedRequest) => void = () => undefined;
  const held = new Promise<InterceptedRequest>((resolve) => (resolveHeld = resolve));
  let resolveAnswered: (status: number) => void = () => undefined;
  const answered = new Promise<number>((resolve) => (resolveAnswered = resolve));
  const proxy = await startProxy(target, (request, actions) => {
    seen.push(request.operation);
    if (holding || !hold(request)) return actions.forward();
    holding = true;
    let forwarded = false;
    releaseHeld = () => {
      if (forwarded) return;
      forwarded = true;
      actions.forward({ onAnswer: resolveAnswered });
    };
    if (released) releaseHeld();
    resolveHeld(request);
  });
  return {
    ...proxy,
    seen,
    held,
    answered,
    release: () => {
      released = true;
      releaseHeld();
    },
  };
}
