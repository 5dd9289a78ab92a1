// The reference for bench/logs.ts: the bare SDK loop that any export must pay for. GetLogEvents from the
// head, following nextForwardToken until it comes back unchanged, each page written to stdout as
// "message\n" lines. Plain JavaScript, run by plain `node`, so that it pays no transpiler.
//
//   node bench/lib/sdk-get-log-events.mjs LOG_GROUP LOG_STREAM > out.txt
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const [logGroupName, logStreamName] = process.argv.slice(2);
const client = new CloudWatchLogsClient({});
let token;
for (;;) {
  const page = await client.send(
    new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, nextToken: token }),
  );
  let text = '';
  for (const event of page.events ?? []) text += `${event.message}\n`;
  if (text && !process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
  if (!page.nextForwardToken || page.nextForwardToken === token) break;
  token = page.nextForwardToken;
}
client.destroy();
