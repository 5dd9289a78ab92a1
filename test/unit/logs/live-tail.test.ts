/**
 * The StartLiveTail doorbell. The emulator has no StartLiveTail (HTTP 500), so this one path is tested
 * with aws-sdk-client-mock and response documents shaped like AWS's: a session start, then session
 * updates. The idle poll is set to ten minutes: only the bell can make the engine read the new line.
 */
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { tailStream, type TailNotice } from '../../../src/services/tail.js';

const logsMock = mockClient(CloudWatchLogsClient);
const GROUP_ARN = 'arn:aws:logs:us-east-1:123456789012:log-group:/runvoy/app';
const STREAM = 'runvoy/runner/0123456789abcdef';

afterEach(() => logsMock.reset());

describe('live tail doorbell', () => {
  it('wakes the idle poller on a session update; the lines themselves come from GetLogEvents, once each', async () => {
    let ring: (() => void) | undefined;
    const rung = new Promise<void>((resolve) => (ring = resolve));
    async function* session(): AsyncGenerator<StartLiveTailResponseStream> {
      yield {
        sessionStart: {
          requestId: 'req-1',
          sessionId: 'sess-1',
          logGroupIdentifiers: [GROUP_ARN],
          logStreamNames: [STREAM],
        },
      };
      await rung;
      yield {
        sessionUpdate: {
          sessionMetadata: { sampled: false },
          sessionResults: [
            {
              logStreamName: STREAM,
              logGroupIdentifier: GROUP_ARN,
              message: 'second',
              timestamp: 2000,
              ingestionTime: 2001,
            },
          ],
        },
      };
      await new Promise(() => undefined);
    }
    logsMock.on(StartLiveTailCommand).resolves({ responseStream: session() });
    const pages = [
      {
        events: [{ timestamp: 1000, message: 'first', ingestionTime: 1001 }],
        nextForwardToken: 'f/1',
        nextBackwardToken: 'b/0',
      },
      { events: [], nextForwardToken: 'f/1', nextBackwardToken: 'b/1' },
      {
        events: [{ timestamp: 2000, message: 'second', ingestionTime: 2001 }],
        nextForwardToken: 'f/2',
        nextBackwardToken: 'b/2',
      },
      { events: [], nextForwardToken: 'f/2', nextBackwardToken: 'b/2' },
    ];
    let call = 0;
    logsMock.on(GetLogEventsCommand).callsFake(() => pages[Math.min(call++, pages.length - 1)]);

    const notices: TailNotice[] = [];
    let stopped = false;
    const seen: string[] = [];
    const client = new CloudWatchLogsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    for await (const page of tailStream(
      { logs: client, logGroupName: '/runvoy/app', logStreamName: STREAM, logGroupArn: GROUP_ARN },
      {
        follow: true,
        isStopped: () => stopped,
        onNotice: (n) => notices.push(n),
        timing: { minPollMs: 600_000, maxPollMs: 600_000, liveTailPollMs: 600_000, drainGraceMs: 0 },
      },
    )) {
      seen.push(...page.map((l) => l.message));
      if (seen.length === 1) ring?.();
      if (seen.length === 2) stopped = true;
    }
    expect(seen).toEqual(['first', 'second']);
    expect(notices).toContainEqual({ kind: 'live-tail', active: true });
    const input = logsMock.commandCalls(StartLiveTailCommand)[0]?.args[0].input;
    expect(input).toEqual({ logGroupIdentifiers: [GROUP_ARN], logStreamNames: [STREAM] });
  });
});
