/**
 * `mesoscloud launch --masters 3 --zk 3` as a user runs it: a ZooKeeper ensemble, three masters and
 * agents on this machine. The leading master is killed (kill -9) and the next commands just work;
 * destroy leaves no process behind. Needs Debian's zookeeper package (`apt-get install zookeeper`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { ensureBuilt, runCli, type CliResult } from '../helpers/run-cli';
import { eventually, request } from '../helpers/http';

const CLUSTER = 'e2e-ha';

let dataHome: string;

function cli(args: string[], timeoutMs = 90_000): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER }, timeoutMs });
}

interface LaunchJson {
  master_url: string;
  masters: { address: string; pid: number; supervisor_pid?: number }[];
  zk: string;
  zookeepers: { address: string; pid: number }[];
  agents: { pid: number; supervisor_pid?: number; id?: string }[];
}

let launched: LaunchJson | undefined;

/** Daemons, their supervisors and ZooKeeper servers. */
function allPids(json: LaunchJson | undefined): number[] {
  const daemons = [...(json?.masters ?? []), ...(json?.agents ?? [])];
  return [...daemons.flatMap((d) => [d.pid, d.supervisor_pid ?? d.pid]), ...(json?.zookeepers ?? []).map((z) => z.pid)];
}

beforeAll(() => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-e2e-ha-'));
});

afterAll(async () => {
  if (launched) await cli(['destroy']);
  // Safety net by PID: whatever destroy did not stop.
  for (const pid of allPids(launched)) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(dataHome, { recursive: true, force: true });
});

test('three masters and a ZooKeeper ensemble: the leader dies, commands follow the next one, destroy stops everything', async () => {
  // Away from 5050 and from other suites' ports.
  const masterPort = await freePort();
  const launch = await cli(['launch', '--masters', '3', '--zk', '3', '--agents', '2', '--master-port', String(masterPort), '--json']);
  expect(launch.code).toBe(0);
  launched = JSON.parse(launch.stdout) as LaunchJson;
  expect(launched.masters).toHaveLength(3);
  expect(launched.zookeepers).toHaveLength(3);
  expect(launched.zk).toMatch(/^zk:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/mesos$/);
  expect(launched.agents.every((a) => a.id)).toBe(true);

  const first = await cli(['exec', '--name', 'before', '--command', 'echo before-failover']);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain("Received status update TASK_FINISHED for task 'before'");

  const leader = launched.masters.find((m) => `http://${m.address}` === launched!.master_url)!;
  expect(leader).toBeDefined();
  process.kill(leader.pid, 'SIGKILL');

  // At once, while ZooKeeper still names the dead leader: the command waits for the next one.
  const second = await cli(['exec', '--name', 'after', '--command', 'echo after-failover']);
  expect(second.stderr).toBe('');
  expect(second.code).toBe(0);
  expect(second.stdout).toContain("Received status update TASK_FINISHED for task 'after'");

  const agents = await cli(['agents', '--json']);
  expect(agents.code).toBe(0);
  expect((JSON.parse(agents.stdout) as { agents: unknown[] }).agents).toHaveLength(2);

  // Its supervisor starts the killed leader again; it rejoins as a standby (it redirects to the leader).
  await eventually(async () => {
    const res = await request(`http://${leader.address}/state`).catch(() => undefined);
    return res?.status === 307 || undefined;
  }, 'the killed leader back as a standby', 60_000);

  const destroy = await cli(['destroy']);
  expect(destroy.code).toBe(0);
  expect(launched.masters.every((m) => m.supervisor_pid && m.supervisor_pid !== m.pid)).toBe(true);
  const pids = allPids(launched);
  launched = undefined;
  expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
}, 240_000);
