import { AllocationLoop, PACING } from '../../cluster/master/state/allocation-loop';
import { BoundedList } from '../../cluster/master/state/bounded-list';
import { acceptsJson } from '../../cluster/http/negotiation';
import { frameworkRoles } from '../../cluster/master/state/records';
import { stateForFramework } from '../../cluster/master/state/task-status';

describe('BoundedList', () => {
  test('keeps the newest items, oldest first, and returns what it pushes out', () => {
    const list = new BoundedList<number>(3);
    expect([1, 2, 3].map((n) => list.push(n))).toEqual([undefined, undefined, undefined]);
    expect(list.push(4)).toBe(1);
    expect(list.push(5)).toBe(2);
    expect(list.toArray()).toEqual([3, 4, 5]);
    expect(list.size).toBe(3);
  });
});

describe('acceptsJson', () => {
  test.each([
    ['application/json', true],
    ['application/recordio', true],
    ['*/*', true],
    ['text/html, application/*;q=0.5', true],
    ['application/x-protobuf', false],
    ['application/json;q=0', false],
  ])('%s -> %s', (accept, expected) => {
    expect(acceptsJson(accept)).toBe(expected);
  });
});

describe('frameworkRoles', () => {
  test('roles with MULTI_ROLE, else role, else *', () => {
    expect(frameworkRoles({ user: 'u', name: 'n' })).toEqual(['*']);
    expect(frameworkRoles({ user: 'u', name: 'n', role: 'web', roles: ['x'] })).toEqual(['web']);
    expect(frameworkRoles({ user: 'u', name: 'n', roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] })).toEqual(['a', 'b']);
  });
});

describe('stateForFramework', () => {
  const plain = { partitionAware: false, killingAware: false };
  const aware = { partitionAware: true, killingAware: true };

  test('frameworks that are not partition-aware hear TASK_LOST for the newer states', () => {
    expect(stateForFramework('TASK_UNREACHABLE', plain)).toBe('TASK_LOST');
    expect(stateForFramework('TASK_GONE', plain)).toBe('TASK_LOST');
    expect(stateForFramework('TASK_UNREACHABLE', aware)).toBe('TASK_UNREACHABLE');
    expect(stateForFramework('TASK_RUNNING', plain)).toBe('TASK_RUNNING');
  });

  test('frameworks without TASK_KILLING_STATE see a task being killed as running', () => {
    expect(stateForFramework('TASK_KILLING', plain)).toBe('TASK_RUNNING');
    expect(stateForFramework('TASK_KILLING', aware)).toBe('TASK_KILLING');
  });
});

describe('AllocationLoop', () => {
  test('coalesces requests made in one turn into one run', async () => {
    let runs = 0;
    // A clock that does not move: runs take no time, so nothing is paced.
    const loop = new AllocationLoop(() => runs++, 60_000, () => undefined, () => 0);
    loop.start();
    await new Promise((r) => setImmediate(r));
    const before = runs;
    loop.request();
    loop.request();
    loop.request();
    await new Promise((r) => setImmediate(r));
    expect(runs - before).toBe(1);
    loop.stop();
    loop.request();
    await new Promise((r) => setImmediate(r));
    expect(runs - before).toBe(1);
  });

  test('paces runs asked for by events: after a run of d ms the next waits PACING x d ms', async () => {
    let clock = 1000;
    let runs = 0;
    // Each run "takes" 10 ms on the injected clock.
    const loop = new AllocationLoop(() => { runs++; clock += 10; }, 60_000, () => undefined, () => clock);
    loop.start();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    expect(loop.delayBeforeNextRun()).toBe(PACING * 10);
    clock += PACING * 10 - 5;
    expect(loop.delayBeforeNextRun()).toBe(5);
    clock += 5;
    expect(loop.delayBeforeNextRun()).toBe(0);
    loop.request();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    loop.stop();
  });
});
