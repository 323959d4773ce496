import { exitCodeFor, statusUpdateLines, submittedLine, subscribedLine } from '../../cluster/client/status-lines';

describe('mesos-execute lines', () => {
  it('prints the update, then message, source and reason when present', () => {
    expect(statusUpdateLines({
      task_id: { value: 'hog' }, state: 'TASK_FAILED', message: 'Memory limit exceeded: 32 MB',
      source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
    })).toEqual([
      "Received status update TASK_FAILED for task 'hog'",
      "  message: 'Memory limit exceeded: 32 MB'",
      '  source: SOURCE_AGENT',
      '  reason: REASON_CONTAINER_LIMITATION_MEMORY',
    ]);
    expect(statusUpdateLines({ task_id: { value: 't' }, state: 'TASK_RUNNING' })).toEqual(["Received status update TASK_RUNNING for task 't'"]);
  });

  it('matches the subscribe and submit lines', () => {
    expect(subscribedLine('f-1')).toBe('Subscribed with ID f-1');
    expect(submittedLine('t', 'a-1')).toBe("Submitted task 't' to agent 'a-1'");
  });

  it('exits 0 only for TASK_FINISHED', () => {
    expect(exitCodeFor('TASK_FINISHED')).toBe(0);
    for (const s of ['TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED'] as const) expect(exitCodeFor(s)).toBe(1);
    expect(exitCodeFor(undefined)).toBe(1);
  });

  it("prints a Mesos master's check status and resource limitation as mesos-execute does", () => {
    const status = {
      task_id: { value: 't' }, state: 'TASK_FAILED' as const, healthy: false,
      check_status: { type: 'COMMAND' as const, command: { exit_code: 1 } },
      limitation: { resources: [{ name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } }] },
    };
    expect(statusUpdateLines(status)).toEqual([
      "Received status update TASK_FAILED for task 't'",
      '  healthy?: 0',
      '  check status: {"type":"COMMAND","command":{"exit_code":1}}',
      '  resource limit violation: mem:32',
    ]);
  });
});
