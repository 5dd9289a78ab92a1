import { Box, Static, Text, type Instance } from 'ink';
import { mountInk } from './ink-mount.js';
import type { OutputMode } from './output-mode.js';
import type { StackEventSummary } from '../core/change-set.js';
import { formatEventLine } from './stack-lines.js';

interface Props {
  title: string;
  events: StackEventSummary[];
  resources: Map<string, StackEventSummary>;
  elapsedSeconds: number;
}

function colourFor(status: string): 'green' | 'red' | 'yellow' {
  if (/FAILED|ROLLBACK/.test(status)) return 'red';
  if (/COMPLETE$/.test(status)) return 'green';
  return 'yellow';
}

/** Live CloudFormation progress: every event once (Static), and the resources still in progress. */
export function StackProgress({ title, events, resources, elapsedSeconds }: Props) {
  const busy = [...resources.values()].filter((e) => e.status.endsWith('_IN_PROGRESS'));
  return (
    <Box flexDirection="column">
      <Static items={events.map((event, index) => ({ event, index }))}>
        {({ event, index }) => (
          <Text key={index} color={colourFor(event.status)}>
            {formatEventLine(event)}
          </Text>
        )}
      </Static>
      <Text bold>
        {title} ({elapsedSeconds}s)
      </Text>
      {busy.map((e) => (
        <Text key={e.logicalId} color="yellow">
          {'  '}… {e.logicalId} {e.resourceType}
        </Text>
      ))}
    </Box>
  );
}

/** Drives StackProgress on stderr while a stack operation runs. */
export class InkStackProgress {
  private readonly events: StackEventSummary[] = [];
  private readonly resources = new Map<string, StackEventSummary>();
  private readonly started = Date.now();
  private instance: Instance | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly title: string,
    private readonly output: Pick<OutputMode, 'colour'>,
  ) {}

  start(): void {
    this.instance = mountInk(this.element(), { output: this.output, on: 'stderr' });
    this.timer = setInterval(() => this.refresh(), 1000);
  }

  event(event: StackEventSummary): void {
    this.events.push(event);
    this.resources.set(event.logicalId, event);
    this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.instance?.rerender(this.element());
    this.instance?.unmount();
  }

  private refresh(): void {
    this.instance?.rerender(this.element());
  }

  private element() {
    return (
      <StackProgress
        title={this.title}
        events={[...this.events]}
        resources={new Map(this.resources)}
        elapsedSeconds={Math.round((Date.now() - this.started) / 1000)}
      />
    );
  }
}
