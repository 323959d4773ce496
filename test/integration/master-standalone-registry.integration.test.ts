/**
 * A standalone master (no --zk) keeps its registry in --work_dir: weights, quota, admitted agents,
 * deactivated and gone agents survive kill -9 and a start on the same work dir; a damaged registry
 * file stops the master at start-up with a message naming the file and how to recover.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt } from '../helpers/run-cli';
import { DaemonSet, type MasterProcess } from '../helpers/daemon-processes';
import { eventually, getJson, request } from '../helpers/http';

const REREGISTER_TIMEOUT = '4secs';

let scratch: string;
let pool: DaemonSet;

beforeAll(() => {
  ensureBuilt();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-registry-'));
  pool = new DaemonSet(scratch);
});

afterEach(async () => {
  await pool.stopAll();
});

afterAll(() => {
  pool?.killAll();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function call(master: MasterProcess, body: unknown, status = 200): Promise<any> {
  const res = await request(`${master.url}/api/v1`, { body });
  expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
  return res.text ? JSON.parse(res.text) : undefined;
}

interface Agents { agents: { agent_info: { id: { value: string } }; deactivated?: boolean; active: boolean }[]; recovered_agents?: { id: { value: string } }[] }

async function agents(master: MasterProcess): Promise<Agents> {
  return (await call(master, { type: 'GET_AGENTS' })).get_agents as Agents;
}

function settingsOnDisk(workDir: string): string {
  try {
    return fs.readFileSync(path.join(workDir, 'registry', 'settings.json'), 'utf8');
  } catch {
    return '';
  }
}

test('weights, quota, admitted, deactivated and gone agents survive kill -9 of a standalone master', async () => {
  const workDir = fs.mkdtempSync(path.join(scratch, 'master-'));
  const flags = ['--agent_reregister_timeout', REREGISTER_TIMEOUT];
  const first = await pool.startMaster(flags, { workDir });
  const [deactivated, gone, absent] = [
    await pool.startAgent(first), await pool.startAgent(first), await pool.startAgent(first),
  ];
  await call(first, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'analytics', weight: 2.5 }] } });
  await call(first, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'analytics', limits: { cpus: { value: 1.5 } } }] } });
  await call(first, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: deactivated.id } } });
  await call(first, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone.id } } });
  await eventually(() => settingsOnDisk(workDir).includes(gone.id) || undefined, 'the settings written to the work dir', 10_000);

  first.daemon.child.kill('SIGKILL');
  await first.daemon.ended();
  absent.daemon.child.kill('SIGKILL');
  await absent.daemon.ended();
  // As if the master had died between writing the settings and dropping the gone agent from the
  // admitted ones: gone must win.
  const agentsFile = path.join(workDir, 'registry', 'agents.json');
  const admitted = JSON.parse(fs.readFileSync(agentsFile, 'utf8'));
  admitted.entries[gone.id] ??= admitted.entries[absent.id];
  fs.writeFileSync(agentsFile, JSON.stringify(admitted));
  const again = await pool.startMaster(flags, { workDir, port: first.port });

  expect((await call(again, { type: 'GET_WEIGHTS' })).get_weights.weight_infos).toEqual([{ role: 'analytics', weight: 2.5 }]);
  expect(JSON.stringify((await call(again, { type: 'GET_QUOTA' })).get_quota)).toContain('"analytics"');
  // The agent that is not running is known (admitted) until --agent_reregister_timeout, then unreachable.
  const recovered = await agents(again);
  expect((recovered.recovered_agents ?? []).map((a) => a.id.value)).toContain(absent.id);
  expect(recovered.recovered_agents?.map((a) => a.id.value) ?? []).not.toContain(gone.id);
  await eventually(async () => {
    const now = await agents(again);
    const back = now.agents.find((a) => a.agent_info.id.value === deactivated.id);
    return back?.deactivated === true || undefined;
  }, 'the deactivated agent back, still deactivated', 30_000);
  await eventually(async () => (await getJson(`${again.url}/state`)).unreachable_slaves >= 1 || undefined, 'the absent agent marked unreachable', 30_000);

  const reregister = await request(`${again.url}/api/v1/agent`, {
    headers: { Accept: 'application/recordio' },
    body: { type: 'REGISTER', register: { agent_info: { id: { value: gone.id }, hostname: '127.0.0.1', resources: [] }, version: 'test', pid: '127.0.0.1:1' } },
  });
  expect(reregister.status).toBe(403);
}, 120_000);

test('a damaged registry file stops the master at start-up, naming the file and how to recover', async () => {
  const workDir = fs.mkdtempSync(path.join(scratch, 'master-'));
  const first = await pool.startMaster([], { workDir });
  await call(first, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'web', weight: 2 }] } });
  await eventually(() => settingsOnDisk(workDir).includes('"web"') || undefined, 'the settings written to the work dir', 10_000);
  await first.daemon.stop('SIGTERM');

  const file = path.join(workDir, 'registry', 'settings.json');
  fs.writeFileSync(file, '{"format":1,"collection":"settings","entr');
  const broken = pool.start(['master', '--ip', '127.0.0.1', '--port', '0', '--work_dir', workDir]);
  const code = await broken.exited();
  expect(code).not.toBe(0);
  // The message may be wrapped to the terminal's width: compare without the wrapping.
  const said = broken.log.replace(/\s*›\s*/g, ' ').replace(/·/g, '').replace(/\s+/g, ' ');
  expect(said).toContain(`${file} is damaged`);
  expect(said).toContain('REGISTRY_DAMAGED');
  expect(said.replace(/ /g, '')).toContain(`mv${file}${file}.damaged`);
  // The file is left as it was, for the operator to restore or move aside.
  expect(fs.readFileSync(file, 'utf8')).toBe('{"format":1,"collection":"settings","entr');

  fs.renameSync(file, `${file}.damaged`);
  const fresh = await pool.startMaster([], { workDir });
  expect((await call(fresh, { type: 'GET_WEIGHTS' })).get_weights.weight_infos).toEqual([]);
}, 60_000);
