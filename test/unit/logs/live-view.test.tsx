import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import {
  Footer,
  Header,
  LiveView,
  LiveViewStore,
  LogLines,
  liveCost,
  sanitizeLine,
} from '../../../src/ui/live-view.js';

const T0 = Date.parse('2026-05-01T12:00:00.000Z');

function record(extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: 'abcd2345efgh',
    status: 'RUNNING',
    origin: 'cli',
    callerArn: 'arn:aws:sts::123456789012:assumed-role/dev/alice',
    host: 'laptop',
    command: ['terraform', 'apply'],
    shell: false,
    image: 'hashicorp/terraform:1.9',
    region: 'us-east-1',
    cpu: 1024,
    memory: 2048,
    arch: 'arm64',
    spot: true,
    capacityProvider: 'FARGATE_SPOT',
    lockName: 'prod-apply',
    fence: 7,
    tags: {},
    envNames: [],
    secretNames: [],
    createdAt: new Date(T0).toISOString(),
    startedAt: new Date(T0 + 5_000).toISOString(),
    ...extra,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('Header', () => {
  it('shows ID, status, image, lock and fence, size, architecture and Spot, elapsed time and cost so far', () => {
    const { lastFrame } = render(<Header record={record()} now={T0 + 5_000 + 125_000} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('abcd2345efgh');
    expect(frame).toContain('RUNNING');
    expect(frame).toContain('hashicorp/terraform:1.9');
    expect(frame).toContain('prod-apply (fence 7)');
    expect(frame).toContain('1024 CPU, 2048 MiB, arm64, Spot');
    expect(frame).toContain('elapsed 2m05s');
    // 125 s of 1 vCPU + 2 GB on ARM in us-east-1, 70% off for Spot (estimated).
    expect(frame).toMatch(/cost so far ~\$0\.00\d\d/);
  });

  it('shows exactly what runs: the command, and with --shell the sh -c script', () => {
    const exec = render(<Header record={record({ command: ['grep', 'foo bar', 'f'] })} now={T0} />);
    expect(exec.lastFrame()).toContain("command grep 'foo bar' f");
    const shell = render(
      <Header record={record({ command: ['echo $HOSTNAME && uname -a'], shell: true })} now={T0} />,
    );
    expect(shell.lastFrame()).toContain("command sh -c 'echo $HOSTNAME && uname -a'");
    const none = render(<Header record={record({ command: [] })} now={T0} />);
    expect(none.lastFrame()).toContain("command (the image's own)");
  });

  it('says "none" without a lock, and the elapsed time stops at stoppedAt', () => {
    const r = record({ lockName: undefined, fence: undefined, spot: false, capacityProvider: 'FARGATE' });
    const stopped = { ...r, status: 'SUCCEEDED' as const, stoppedAt: new Date(T0 + 65_000).toISOString() };
    const frame = render(<Header record={stopped} now={T0 + 3_600_000} />).lastFrame() ?? '';
    expect(frame).toContain('lock none');
    expect(frame).toContain('elapsed 1m00s');
    expect(frame).not.toContain('Spot');
  });
});

describe('liveCost', () => {
  it('is n/a before the task starts, an estimate from createdAt when the start time is unknown', () => {
    expect(liveCost(record({ status: 'PENDING', startedAt: undefined }), T0)).toBe('n/a');
    expect(liveCost(record({ startedAt: undefined }), T0 + 10_000)).toMatch(/^~\$\d+\.\d{4}$/);
  });
});

describe('LogLines', () => {
  it('renders every line once, in order, as batches arrive; timestamps apply to lines rendered after the toggle', async () => {
    const store = new LiveViewStore(record(), T0);
    const Lines = () => <LogLines batches={store.batches} timestamps={store.timestamps} />;
    const view = render(<Lines />);
    store.lines([
      { timestamp: T0, message: 'one' },
      { timestamp: T0 + 1, message: 'two' },
    ]);
    view.rerender(<Lines />);
    await tick();
    store.toggleTimestamps();
    store.lines([{ timestamp: T0 + 2, message: 'three' }]);
    view.rerender(<Lines />);
    await tick();
    const frame = view.lastFrame() ?? '';
    expect(frame.match(/one/g)).toHaveLength(1);
    expect(frame.indexOf('one')).toBeLessThan(frame.indexOf('two'));
    expect(frame).toMatch(/two\n.*2026-05-01T12:00:00\.002Z.* three/);
    // Rendered batches let go of their lines.
    expect(store.batches.every((b) => b.lines === undefined)).toBe(true);
  });
});

describe('LiveViewStore notices', () => {
  it('clears a transient notice (waiting for the stream) when lines arrive, and keeps a warning', () => {
    const store = new LiveViewStore(record(), T0);
    store.setNotice('Waiting for the first line', true);
    store.lines([]);
    expect(store.notice).toBe('Waiting for the first line');
    store.lines([{ timestamp: T0, message: 'x' }]);
    expect(store.notice).toBeUndefined();
    store.setNotice('Warning: lock lost');
    store.lines([{ timestamp: T0, message: 'y' }]);
    expect(store.notice).toBe('Warning: lock lost');
  });
});

describe('Footer', () => {
  it('lists the keys, asks y/n while confirming a kill, and hides when done', () => {
    expect(render(<Footer mode="keys" timestamps={false} />).lastFrame()).toContain(
      'd/ctrl-c detach · k kill · t timestamps on',
    );
    expect(render(<Footer mode="keys" timestamps />).lastFrame()).toContain('t timestamps off');
    expect(render(<Footer mode="confirm-kill" timestamps={false} />).lastFrame()).toContain(
      'Stop the task? y/n',
    );
    expect(render(<Footer mode="killing" timestamps={false} notice="Warning: slow" />).lastFrame()).toMatch(
      /Warning: slow\n.*Stopping the task/,
    );
    expect(render(<Footer mode="done" timestamps={false} />).lastFrame()).toBe('');
  });
});

describe('LiveView keys', () => {
  function mount(r = record()) {
    const store = new LiveViewStore(r, T0 + 10_000);
    const onDetach = vi.fn();
    const onKill = vi.fn();
    const view = render(<LiveView store={store} onDetach={onDetach} onKill={onKill} />);
    return { store, onDetach, onKill, view };
  }

  it('k asks first: n cancels, y kills once', async () => {
    const { store, onKill, view } = mount();
    await tick();
    view.stdin.write('k');
    await tick();
    expect(view.lastFrame()).toContain('Stop the task? y/n');
    view.stdin.write('n');
    await tick();
    expect(store.mode).toBe('keys');
    expect(onKill).not.toHaveBeenCalled();
    view.stdin.write('k');
    await tick();
    view.stdin.write('y');
    await tick();
    expect(onKill).toHaveBeenCalledTimes(1);
    expect(view.lastFrame()).toContain('Stopping the task');
    view.stdin.write('y');
    await tick();
    expect(onKill).toHaveBeenCalledTimes(1);
  });

  it('d and Ctrl-C detach; t toggles timestamps; k does nothing once the run is over', async () => {
    const a = mount();
    await tick();
    a.view.stdin.write('t');
    await tick();
    expect(a.store.timestamps).toBe(true);
    a.view.stdin.write('d');
    await tick();
    expect(a.onDetach).toHaveBeenCalledTimes(1);
    expect(a.view.lastFrame()).toContain('Detaching');

    const b = mount();
    await tick();
    b.view.stdin.write('\u0003');
    await tick();
    expect(b.onDetach).toHaveBeenCalledTimes(1);

    const c = mount(record({ status: 'SUCCEEDED' }));
    await tick();
    c.view.stdin.write('k');
    await tick();
    expect(c.store.mode).toBe('keys');
  });

  it('ends with the summary line and no footer', async () => {
    const { store, view } = mount();
    store.status(record({ status: 'FAILED', exitCode: 2 }));
    store.finish('FAILED exit 2 in 1m00s, cost $0.0012 (exact)');
    await tick();
    const frame = view.lastFrame() ?? '';
    expect(frame).toContain('FAILED exit 2 in 1m00s, cost $0.0012 (exact)');
    expect(frame).not.toContain('k kill');
  });
});

describe('sanitizeLine', () => {
  it("keeps the program's colours and drops what would move the cursor or clear the screen", () => {
    expect(sanitizeLine('\u001b[1;31mred\u001b[0m plain')).toBe('\u001b[1;31mred\u001b[0m plain');
    expect(sanitizeLine('a\rb\u001b[2J\u001b[10;1Hc\u0007d\u001b]0;title\u0007e')).toBe('abcde');
    expect(sanitizeLine('tab\tkept')).toBe('tab\tkept');
  });
});
