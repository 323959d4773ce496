import type { Clock, StatusUpdate } from '../../cluster/agent/status-updates';
import { MAX_RETRY_MS, StatusUpdateManager, unacknowledgedUpdates } from '../../cluster/agent/status-updates';
import type { TaskState } from '../../cluster/protocol/types';

class FakeClock implements Clock {
  now = 0;
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];

  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.now + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true } };
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.now = due.at;
      due.cancelled = true;
      due.fn();
    }
    this.now = end;
  }
}

let counter = 0;
function update(taskId: string, state: TaskState, frameworkId = 'fw-1'): StatusUpdate {
  return { framework_id: { value: frameworkId }, status: { task_id: { value: taskId }, state, uuid: `uuid-${++counter}` } };
}

function setup(initialRetryMs = 1000) {
  const clock = new FakeClock();
  const sent: { at: number; update: StatusUpdate }[] = [];
  const closed: StatusUpdate[] = [];
  const manager = new StatusUpdateManager({
    clock,
    initialRetryMs,
    send: (u) => sent.push({ at: clock.now, update: u }),
    onStreamClosed: (u) => closed.push(u),
  });
  const states = () => sent.map((s) => `${s.update.status.task_id.value}:${s.update.status.state}`);
  return { clock, sent, closed, manager, states };
}

describe('StatusUpdateManager', () => {
  it('sends the first update of a task at once and holds the next until the first is acknowledged', () => {
    const { manager, states } = setup();
    const starting = update('t1', 'TASK_STARTING');
    const running = update('t1', 'TASK_RUNNING');
    manager.enqueue(starting);
    manager.enqueue(running);
    expect(states()).toEqual(['t1:TASK_STARTING']);

    expect(manager.acknowledge('fw-1', 't1', starting.status.uuid)).toBe('acknowledged');
    expect(states()).toEqual(['t1:TASK_STARTING', 't1:TASK_RUNNING']);
  });

  it('keeps streams of different tasks independent', () => {
    const { manager, states } = setup();
    manager.enqueue(update('t1', 'TASK_STARTING'));
    manager.enqueue(update('t2', 'TASK_STARTING'));
    manager.enqueue(update('t1', 'TASK_RUNNING'));
    expect(states()).toEqual(['t1:TASK_STARTING', 't2:TASK_STARTING']);
  });

  it('retries an unacknowledged update with a doubling interval capped at 10 minutes', () => {
    const { manager, clock, sent } = setup(1000);
    manager.enqueue(update('t1', 'TASK_RUNNING'));
    clock.advance(30 * 60 * 1000);
    const times = sent.map((s) => s.at);
    expect(times.slice(0, 6)).toEqual([0, 1000, 3000, 7000, 15000, 31000]);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.max(...gaps)).toBe(MAX_RETRY_MS);
  });

  it('ignores an acknowledgement with the wrong uuid and keeps retrying', () => {
    const { manager, clock, sent } = setup(1000);
    const running = update('t1', 'TASK_RUNNING');
    const finished = update('t1', 'TASK_FINISHED');
    manager.enqueue(running);
    manager.enqueue(finished);

    expect(manager.acknowledge('fw-1', 't1', finished.status.uuid)).toBe('wrong-uuid');
    expect(manager.acknowledge('fw-1', 't1', 'no-such-uuid')).toBe('wrong-uuid');
    expect(manager.acknowledge('fw-1', 'other-task', running.status.uuid)).toBe('unknown-task');
    clock.advance(1000);

    expect(sent.map((s) => s.update.status.uuid)).toEqual([running.status.uuid, running.status.uuid]);
    expect(manager.pending('fw-1', 't1').map((u) => u.status.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
  });

  it('stops retrying once acknowledged', () => {
    const { manager, clock, sent } = setup(1000);
    const running = update('t1', 'TASK_RUNNING');
    manager.enqueue(running);
    manager.acknowledge('fw-1', 't1', running.status.uuid);
    clock.advance(60_000);
    expect(sent).toHaveLength(1);
  });

  it('closes the stream when the terminal update is acknowledged and refuses updates after a terminal one', () => {
    const { manager, closed } = setup();
    const failed = update('t1', 'TASK_FAILED');
    manager.enqueue(failed);
    expect(manager.enqueue(update('t1', 'TASK_RUNNING'))).toBe(false);
    expect(manager.hasStream('fw-1', 't1')).toBe(true);

    manager.acknowledge('fw-1', 't1', failed.status.uuid);

    expect(closed.map((u) => u.status.state)).toEqual(['TASK_FAILED']);
    expect(manager.hasStream('fw-1', 't1')).toBe(false);
    expect(manager.acknowledge('fw-1', 't1', failed.status.uuid)).toBe('unknown-task');
  });

  it('resends every waiting update at once on flush (after re-registration) and restarts the backoff', () => {
    const { manager, clock, sent } = setup(1000);
    manager.enqueue(update('t1', 'TASK_RUNNING'));
    manager.enqueue(update('t2', 'TASK_RUNNING'));
    clock.advance(3500); // sent at 0, 1000, 3000 for each task
    const before = sent.length;

    manager.flush();
    expect(sent.length).toBe(before + 2);

    clock.advance(1000);
    expect(sent.length).toBe(before + 4);
  });

  it('forgets a dropped stream without sending more', () => {
    const { manager, clock, sent } = setup(1000);
    manager.enqueue(update('t1', 'TASK_RUNNING'));
    manager.drop('fw-1', 't1');
    clock.advance(10_000);
    expect(sent).toHaveLength(1);
    expect(manager.hasStream('fw-1', 't1')).toBe(false);
  });

  it('requires a uuid', () => {
    const { manager } = setup();
    const bad = update('t1', 'TASK_RUNNING');
    bad.status.uuid = '';
    expect(() => manager.enqueue(bad)).toThrow(/uuid/);
  });
});

describe('unacknowledgedUpdates (replaying a task log)', () => {
  it('returns what is still owed, in order, ignoring stray acknowledgements', () => {
    const a = update('t1', 'TASK_STARTING');
    const b = update('t1', 'TASK_RUNNING');
    const c = update('t1', 'TASK_FINISHED');
    const pending = unacknowledgedUpdates([
      { type: 'UPDATE', update: a },
      { type: 'UPDATE', update: b },
      { type: 'ACK', uuid: c.status.uuid },
      { type: 'ACK', uuid: a.status.uuid },
      { type: 'UPDATE', update: c },
    ]);
    expect(pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
  });
});
