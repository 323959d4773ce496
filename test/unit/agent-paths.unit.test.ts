import * as path from 'node:path';
import { confineLexically, isWithin } from '../../cluster/agent/path-confinement';
import { agentIdFile, nestedTaskSandbox, sandboxContaining, pathSegment, runMetaDir, sandboxDir, sandboxesRoot, taskMetaDir, taskUpdatesFile } from '../../cluster/agent/sandbox-paths';

const key = { agentId: 'M1-S0', frameworkId: 'M1-0000', executorId: 'web.1', containerId: 'c0ffee' };

describe('sandbox paths', () => {
  it('follow Mesos layout under the work dir', () => {
    expect(sandboxDir('/var/lib/mesoscloud', key)).toBe(
      '/var/lib/mesoscloud/slaves/M1-S0/frameworks/M1-0000/executors/web.1/runs/c0ffee',
    );
    expect(sandboxesRoot('/var/lib/mesoscloud/')).toBe('/var/lib/mesoscloud/slaves');
    expect(runMetaDir('/w', key)).toBe('/w/meta/slaves/M1-S0/frameworks/M1-0000/executors/web.1/runs/c0ffee');
    expect(taskUpdatesFile('/w', key, 'web.1')).toBe(`${runMetaDir('/w', key)}/tasks/web.1/task.updates`);
    expect(agentIdFile('/w')).toBe('/w/meta/agent.json');
  });

  it('nest the sandbox and private files of each task of a task group inside its executor run', () => {
    const executorSandbox = sandboxDir('/w', key);
    expect(nestedTaskSandbox(executorSandbox, 'db')).toBe(`${executorSandbox}/tasks/db`);
    expect(nestedTaskSandbox(executorSandbox, '..')).toBe(`${executorSandbox}/tasks/%2E%2E`);
    expect(taskMetaDir('/w', key, 'db')).toBe(`${runMetaDir('/w', key)}/tasks/db`);
    expect(taskUpdatesFile('/w', key, 'db')).toBe(`${taskMetaDir('/w', key, 'db')}/task.updates`);
  });

  it('name the sandbox a file lies in: a task of a task group, else its run, else the root above runs', () => {
    const root = sandboxesRoot('/w');
    const run = sandboxDir('/w', key);
    expect(sandboxContaining(root, `${run}/stdout`)).toBe(run);
    expect(sandboxContaining(root, run)).toBe(run);
    expect(sandboxContaining(root, `${run}/tasks/db/data/x`)).toBe(nestedTaskSandbox(run, 'db'));
    expect(sandboxContaining(root, `${run}/tasks`)).toBe(run);
    expect(sandboxContaining(root, path.dirname(run))).toBe(root);
    expect(sandboxContaining(root, `${root}/M1-S0/other/a/b/c/d/e`)).toBe(root);
  });

  it('resolve a relative work dir to an absolute one', () => {
    expect(sandboxDir('relative/dir', key).startsWith('/')).toBe(true);
  });

  it('keep ids that would climb out of their directory inside it', () => {
    expect(pathSegment('..')).toBe('%2E%2E');
    expect(pathSegment('.')).toBe('%2E');
    expect(pathSegment('a/../../etc')).toBe('a%2F..%2F..%2Fetc');
    const sandbox = sandboxDir('/w', { ...key, executorId: '../../../../etc' });
    expect(sandbox.startsWith('/w/slaves/M1-S0/frameworks/M1-0000/executors/')).toBe(true);
    expect(() => pathSegment('')).toThrow(/empty/);
  });
});

describe('path confinement', () => {
  const root = '/w/slaves';

  it('isWithin accepts the root and paths below it only', () => {
    expect(isWithin(root, '/w/slaves')).toBe(true);
    expect(isWithin(root, '/w/slaves/a/b')).toBe(true);
    expect(isWithin(root, '/w/slaves-other')).toBe(false);
    expect(isWithin(root, '/w')).toBe(false);
    expect(isWithin(root, '/etc/passwd')).toBe(false);
  });

  it('normalises .. before deciding', () => {
    expect(confineLexically(root, '/w/slaves/a/../b')).toEqual({ ok: true, path: '/w/slaves/b' });
    const escaped = confineLexically(root, '/w/slaves/a/../../meta/agent.json');
    expect(escaped).toMatchObject({ ok: false, status: 403 });
    expect((escaped as { message: string }).message).toMatch(/outside/);
  });

  it('refuses missing, relative and NUL paths with 400 naming the parameter', () => {
    expect(confineLexically(root, null)).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/path/) });
    expect(confineLexically(root, '')).toMatchObject({ ok: false, status: 400 });
    expect(confineLexically(root, 'slaves/x')).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/'path' must be absolute/) });
    expect(confineLexically(root, '/w/slaves/\0x')).toMatchObject({ ok: false, status: 400 });
  });
});
