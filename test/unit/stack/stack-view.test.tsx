import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StackEventSummary } from '../../../src/core/change-set.js';
import { formatEventLine } from '../../../src/ui/stack-lines.js';
import { StackProgress } from '../../../src/ui/stack-view.js';

const event = (
  seconds: number,
  logicalId: string,
  resourceType: string,
  status: string,
): StackEventSummary => ({
  timestamp: new Date(Date.UTC(2026, 0, 1, 10, 0, seconds)),
  logicalId,
  resourceType,
  status,
});

function latest(events: StackEventSummary[]): Map<string, StackEventSummary> {
  return new Map(events.map((e) => [e.logicalId, e]));
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

describe('StackProgress', () => {
  const first = [
    event(1, 'runvoy', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS'),
    event(2, 'Table', 'AWS::DynamoDB::Table', 'CREATE_IN_PROGRESS'),
    event(3, 'Cluster', 'AWS::ECS::Cluster', 'CREATE_IN_PROGRESS'),
  ];

  it('shows every event, the title with the elapsed time, and the resources still in progress', () => {
    const view = render(
      <StackProgress title="Deploying stack" events={first} resources={latest(first)} elapsedSeconds={4} />,
    );
    unmount = view.unmount;
    const frame = view.lastFrame() ?? '';
    for (const e of first) expect(frame).toContain(formatEventLine(e));
    expect(frame).toContain('Deploying stack (4s)');
    expect(frame).toContain('… Table AWS::DynamoDB::Table');
    expect(frame).toContain('… Cluster AWS::ECS::Cluster');
  });

  it('prints each event once across re-renders, and drops finished resources from the in-progress list', () => {
    const view = render(
      <StackProgress title="Deploying" events={first} resources={latest(first)} elapsedSeconds={1} />,
    );
    unmount = view.unmount;
    const more = [...first, event(5, 'Table', 'AWS::DynamoDB::Table', 'CREATE_COMPLETE')];
    view.rerender(
      <StackProgress title="Deploying" events={more} resources={latest(more)} elapsedSeconds={2} />,
    );
    view.rerender(
      <StackProgress title="Deploying" events={more} resources={latest(more)} elapsedSeconds={3} />,
    );

    // ink-testing-library renders in debug mode: each frame is the whole screen, the <Static> part
    // (written once per item) followed by the live part.
    const frame = view.lastFrame() ?? '';
    for (const e of more) expect(occurrences(frame, formatEventLine(e))).toBe(1);
    expect(frame.indexOf(formatEventLine(more[3]!))).toBeLessThan(frame.indexOf('Deploying (3s)'));
    expect(frame).toContain('Deploying (3s)');
    expect(frame).toContain('… Cluster AWS::ECS::Cluster');
    expect(frame).not.toContain('… Table');
    expect(frame).toContain('… runvoy AWS::CloudFormation::Stack');
  });

  it('shows no in-progress line once everything has finished', () => {
    const done = [
      event(1, 'Table', 'AWS::DynamoDB::Table', 'CREATE_COMPLETE'),
      event(2, 'runvoy', 'AWS::CloudFormation::Stack', 'CREATE_COMPLETE'),
    ];
    const view = render(
      <StackProgress title="Deploying" events={done} resources={latest(done)} elapsedSeconds={9} />,
    );
    unmount = view.unmount;
    expect(view.lastFrame()).not.toContain('…');
  });
});
