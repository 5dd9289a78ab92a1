import {
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

/** PutLogEvents limits: 10,000 events and 1,048,576 bytes per call, each event counting 26 bytes extra. */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;

/** Makes the stream as the awslogs driver does on a container's first write (no error if it exists). */
export async function createStream(logs: CloudWatchLogsClient, group: string, stream: string): Promise<void> {
  try {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
  }
}

/** Splits events into PutLogEvents batches within the count and size limits, in order. */
export function batches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const out: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message ?? '') + EVENT_OVERHEAD;
    if (current.length > 0 && (current.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Writes lines to a stream in order, in batches within PutLogEvents' limits. */
export async function putLines(
  logs: CloudWatchLogsClient,
  group: string,
  stream: string,
  lines: readonly string[],
  timestamp: (index: number) => number = () => Date.now(),
): Promise<void> {
  await createStream(logs, group, stream);
  const events = lines.map((message, index) => ({ message, timestamp: timestamp(index) }));
  for (const batch of batches(events)) {
    await logs.send(
      new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }),
    );
  }
}

/** `count` distinct lines of about `width` bytes: numbered, with tabs, quotes, commas and non-ASCII text. */
export function sampleLines(count: number, width = 100): string[] {
  const pad = 'lorem ipsum dolor sit amet, "quoted", tab\there, naïve café ☕ ';
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const head = `line ${String(i).padStart(6, '0')} `;
    let body = head + pad.repeat(Math.ceil(width / pad.length));
    body = body.slice(0, width);
    if (i % 1000 === 7) body = `\u001b[31m${body}\u001b[0m`;
    lines.push(body.trimEnd());
  }
  return lines;
}
