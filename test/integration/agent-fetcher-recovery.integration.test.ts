/**
 * An agent killed with SIGKILL while a task fetches its URIs, with real processes (`mesoscloud master`
 * and `mesoscloud agent` from the built CLI): the agent started again on its work dir knows of the
 * task, whose command never started, and ends it TASK_FAILED (REASON_AGENT_RESTARTED), once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Resources } from '../../cluster/protocol/resources';
import { isTerminalState } from '../../cluster/protocol/types';
import { startArtifactServer, type ArtifactServer } from '../helpers/artifacts';
import { cleanDaemonScratch, newDaemonScratch, START_MS, type DaemonScratch } from '../helpers/daemon-processes';
import { ensureBuilt } from '../helpers/run-cli';
import { RawScheduler } from '../helpers/scheduler';
import { runSandbox } from '../helpers/sandboxes';

let s: DaemonScratch;
let server: ArtifactServer;
const schedulers: RawScheduler[] = [];

beforeAll(() => {
  ensureBuilt();
});

beforeEach(async () => {
  s = newDaemonScratch('agent-fetcher-recovery-');
  fs.mkdirSync(path.join(s.scratch, 'served'));
  server = await startArtifactServer(path.join(s.scratch, 'served'));
});

afterEach(async () => {
  await server.close();
  await cleanDaemonScratch(s, schedulers);
});

test('a task whose fetch an agent restart cut short ends TASK_FAILED with REASON_AGENT_RESTARTED', async () => {
  const master = await s.daemons.startMaster();
  const agent = await s.daemons.startAgent(master, ['--resources', 'cpus:1;mem:256']);
  const scheduler = (await RawScheduler.subscribe(master.url, { user: os.userInfo().username, name: 'fetch-recovery', checkpoint: true })).autoAcknowledge();
  schedulers.push(scheduler);
  server.stall('/slow.tar.gz');
  let offer;
  for (let from = 0; !offer; from = scheduler.events.length) offer = (await scheduler.nextOffers({ from, timeoutMs: START_MS })).find((o) => o.agent_id.value === agent.id);
  await scheduler.launch([offer], [{
    name: 'cut-short', task_id: { value: 'cut-short' }, agent_id: offer.agent_id, resources: Resources.parse('cpus:0.1;mem:32').toV1(),
    command: { shell: true, value: 'touch started', uris: [{ value: `${server.url}/slow.tar.gz` }] },
  }]);
  await agent.daemon.until(async () => server.hits('/slow.tar.gz') > 0, 'the fetch to begin');

  expect((await agent.daemon.stop('SIGKILL')).signal).toBe('SIGKILL');
  await s.daemons.startAgent(master, ['--resources', 'cpus:1;mem:256'], { workDir: agent.workDir, port: agent.port });

  const failed = await scheduler.update('cut-short', 'TASK_FAILED', { timeoutMs: START_MS });
  expect(failed).toMatchObject({ reason: 'REASON_AGENT_RESTARTED', message: 'The agent restarted while launching the task, before its command started' });
  expect(scheduler.updates('cut-short').filter((u) => isTerminalState(u.state))).toHaveLength(1);
  expect(scheduler.updates('cut-short').map((u) => u.state)).not.toContain('TASK_RUNNING');
  expect(fs.existsSync(path.join(runSandbox(agent.workDir, 'cut-short'), 'started'))).toBe(false);
});
