/**
 * CommandInfo.uris end to end: a real master and agent, a scheduler on the wire and a loopback HTTP
 * server. The URIs are in the sandbox when the command starts (for command tasks and for each task
 * of a group, in its own sandbox), a failed fetch ends the task as TASK_FAILED with
 * REASON_FETCHER_FAILED before it ever starts, a kill aborts a fetch, cached URIs are downloaded once
 * for the whole agent, and on a root agent the files are the task user's and local files are read
 * with that user's rights.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentOptions } from '../../cluster/agent';
import { Resources } from '../../cluster/protocol/resources';
import type { CommandInfo_URI, FrameworkInfo, Offer, TaskInfo, TaskStatus } from '../../cluster/protocol/types';
import { isTerminalState } from '../../cluster/protocol/types';
import { buildArchive, startArtifactServer, type ArtifactServer } from '../helpers/artifacts';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { runSandbox } from '../helpers/sandboxes';
import { frameworkInfo, launchGroup, RawScheduler } from '../helpers/scheduler';

describe('cluster: fetching CommandInfo.uris', () => {
  let scratch: string;
  let served: string;
  let server: ArtifactServer;
  let cluster: TestCluster | undefined;
  let workDir: string;
  const schedulers: RawScheduler[] = [];

  beforeEach(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-fetch-cluster-'));
    served = path.join(scratch, 'served');
    workDir = path.join(scratch, 'agent');
    fs.mkdirSync(served);
    server = await startArtifactServer(served);
    buildArchive(served, 'app.tar.gz', { 'app/data/hello.txt': 'hello from the archive\n' });
    fs.writeFileSync(path.join(served, 'tool.sh'), '#!/bin/sh\necho tool ran\n');
  });

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    await cluster?.close();
    cluster = undefined;
    await server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const start = async (agent: Partial<AgentOptions> = {}) => {
    cluster = await startCluster({ agents: 1, agent: { workDir, ...agent } });
  };

  const subscribe = async (info: Partial<FrameworkInfo> = {}) => {
    const scheduler = (await RawScheduler.subscribe(cluster!.url, frameworkInfo(info))).autoAcknowledge();
    schedulers.push(scheduler);
    return scheduler;
  };

  const task = (offer: Offer, id: string, command: string, uris: CommandInfo_URI[], user?: string): TaskInfo => ({
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { shell: true, value: command, uris, ...(user ? { user } : {}) },
    resources: Resources.parse('cpus:0.1;mem:32').toV1(),
  });

  const end = async (scheduler: RawScheduler, id: string): Promise<TaskStatus> => {
    const event = await scheduler.waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === id && isTerminalState(e.update.status.state), `end of ${id}`, { timeoutMs: 30_000 });
    return event.type === 'UPDATE' ? event.update.status : (undefined as never);
  };

  const sandboxOf = (executorId: string): string => runSandbox(workDir, executorId);

  test('the URIs are in the sandbox when the command starts; progress is in the sandbox stderr', async () => {
    await start();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [task(offer, 'fetching', 'cat app/data/hello.txt && ./bin/tool && cat conf/notes', [
      { value: `${server.url}/app.tar.gz` },
      { value: `${server.url}/tool.sh`, executable: true, output_file: 'bin/tool' },
      { value: path.join(served, 'tool.sh'), output_file: 'conf/notes', cache: true },
    ])]);
    const status = await end(scheduler, 'fetching');
    expect(status.state).toBe('TASK_FINISHED');
    expect(scheduler.updates('fetching').map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const sandbox = sandboxOf('fetching');
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).toBe('hello from the archive\ntool ran\n#!/bin/sh\necho tool ran\n');
    const stderr = fs.readFileSync(path.join(sandbox, 'stderr'), 'utf8');
    expect(stderr).toContain(`Fetching URI '${server.url}/app.tar.gz'`);
    expect(stderr).toContain(`Fetched '${server.url}/tool.sh' to '${path.join(sandbox, 'bin/tool')}'`);
  });

  test('a failed fetch ends the task as TASK_FAILED with REASON_FETCHER_FAILED, naming the URI; the command never starts', async () => {
    await start();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    const uri = `${server.url}/missing.tar.gz`;
    await scheduler.launch([offer], [task(offer, 'no-artifact', 'touch started', [{ value: `${server.url}/tool.sh` }, { value: uri }])]);
    const status = await end(scheduler, 'no-artifact');
    expect(status).toMatchObject({
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_FETCHER_FAILED',
      message: `Failed to fetch '${uri}': Error downloading resource, received HTTP return code 404`,
    });
    expect(scheduler.updates('no-artifact').map((s) => s.state)).toEqual(['TASK_FAILED']);
    const sandbox = sandboxOf('no-artifact');
    expect(fs.existsSync(path.join(sandbox, 'started'))).toBe(false);
    expect(fs.readFileSync(path.join(sandbox, 'stderr'), 'utf8')).toContain(`Failed to fetch '${uri}'`);
  });

  test('a kill while the task fetches aborts the fetch: TASK_KILLED, never started', async () => {
    await start();
    server.stall('/slow.tar.gz');
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [task(offer, 'slow', 'touch started', [{ value: `${server.url}/slow.tar.gz` }])]);
    // The download has begun once the server saw the request.
    for (let i = 0; i < 300 && server.hits('/slow.tar.gz') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.hits('/slow.tar.gz')).toBe(1);
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'slow' }, agent_id: offer.agent_id } });
    const status = await end(scheduler, 'slow');
    expect(status).toMatchObject({ state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' });
    expect(fs.existsSync(path.join(sandboxOf('slow'), 'started'))).toBe(false);
  });

  test('cached URIs are downloaded once for every task of the agent; the cache stays within --fetcher_cache_size', async () => {
    fs.writeFileSync(path.join(served, 'big.bin'), Buffer.alloc(3000, 7));
    await start({ fetcherCacheSize: 2048 });
    const scheduler = await subscribe();
    const cached = { value: `${server.url}/app.tar.gz`, cache: true };
    for (const id of ['c1', 'c2', 'c3']) {
      const [offer] = await scheduler.nextOffers({ from: scheduler.events.length - 1 });
      await scheduler.launch([offer], [task(offer, id, 'cat app/data/hello.txt', [cached])], { refuse_seconds: 0 });
      expect((await end(scheduler, id)).state).toBe('TASK_FINISHED');
    }
    expect(server.hits('/app.tar.gz')).toBe(1);
    // Larger than the whole cache: fetched all the same, but not kept.
    const [offer] = await scheduler.nextOffers({ from: scheduler.events.length - 1 });
    await scheduler.launch([offer], [task(offer, 'big', 'test -s big.bin', [{ value: `${server.url}/big.bin`, cache: true }])], { refuse_seconds: 0 });
    expect((await end(scheduler, 'big')).state).toBe('TASK_FINISHED');
    const cacheFiles = fs.readdirSync(path.join(workDir, 'fetch'));
    expect(cacheFiles).toEqual([expect.stringMatching(/^c\d+-app\.tar\.gz$/)]);
  });

  test('each task of a group gets its own URIs in its own sandbox', async () => {
    fs.writeFileSync(path.join(served, 'a.txt'), 'a');
    fs.writeFileSync(path.join(served, 'b.txt'), 'b');
    await start();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await launchGroup(scheduler, offer, 'group', [
      task(offer, 'ta', 'test -f a.txt && test ! -e b.txt', [{ value: `${server.url}/a.txt` }]),
      task(offer, 'tb', 'test -f b.txt && test ! -e a.txt', [{ value: `${server.url}/b.txt` }]),
    ]);
    expect((await end(scheduler, 'ta')).state).toBe('TASK_FINISHED');
    expect((await end(scheduler, 'tb')).state).toBe('TASK_FINISHED');
    expect(fs.readFileSync(path.join(sandboxOf('group'), 'tasks', 'ta', 'a.txt'), 'utf8')).toBe('a');
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? test : test.skip)('on a root agent the fetched files are the task user\'s, and local files are read with that user\'s rights', async () => {
    // The sandboxes must be reachable by the task's user: /tmp's mkdtemp is 0700.
    fs.chmodSync(scratch, 0o711);
    await start({ switchUser: true, allowRootTasks: false });
    const scheduler = await subscribe({ user: 'nobody' });
    let [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [task(offer, 'owned', 'test -O app/data/hello.txt && test -O tool.sh && test -O app', [
      { value: `${server.url}/app.tar.gz` }, { value: `${server.url}/tool.sh`, cache: true },
    ])], { refuse_seconds: 0 });
    expect((await end(scheduler, 'owned')).state).toBe('TASK_FINISHED');
    expect(fs.statSync(path.join(sandboxOf('owned'), 'app', 'data', 'hello.txt')).uid).toBe(65534);

    [offer] = await scheduler.nextOffers({ from: scheduler.events.length - 1 });
    await scheduler.launch([offer], [task(offer, 'shadow', 'true', [{ value: '/etc/shadow' }])]);
    const status = await end(scheduler, 'shadow');
    expect(status).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_FETCHER_FAILED' });
    expect(status.message).toBe("Failed to fetch '/etc/shadow': Failed to read '/etc/shadow' as user 'nobody': /etc/shadow: Permission denied");
    expect(fs.existsSync(path.join(sandboxOf('shadow'), 'shadow'))).toBe(false);
  });
});
