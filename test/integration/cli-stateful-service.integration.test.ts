/**
 * A stateful service from the command line, as the README shows it: `reserve` and `volume create`
 * through the operator API, `exec --role --volume` writing to the volume and a second run reading it
 * back, `volumes` and `roles` showing them, `volume destroy` deleting the data (refused while a task
 * uses the volume), `unreserve` giving everything back. The built CLI against a real master and agent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { ensureBuilt, runCli, unwrap, type CliResult } from '../helpers/run-cli';
import { eventually, getJson } from '../helpers/http';

let cluster: TestCluster;
let scratch: string;

beforeAll(async () => {
  ensureBuilt();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-stateful-'));
  cluster = await startCluster({ agents: 1, agentResources: 'cpus:2;mem:1024;disk:2048' });
}, 180_000);

afterAll(async () => {
  await cluster?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function cli(args: string[]): Promise<CliResult> {
  return runCli([...args, '--master', cluster.url], { dataHome: scratch, timeoutMs: 60_000 });
}

async function ok(args: string[]): Promise<CliResult> {
  const result = await cli(args);
  if (result.code !== 0) throw new Error(`mesoscloud ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result;
}

test('reserve, create a volume, write and read it from two exec runs, destroy (refused in use) and unreserve', async () => {
  const agentId = (await getJson<{ slaves: { id: string }[] }>(`${cluster.url}/state`)).slaves[0].id;
  const short = agentId.slice(agentId.lastIndexOf('-') + 1);

  const reserved = JSON.parse((await ok(['reserve', short, '--role', 'db', '--resources', 'cpus:1;mem:256;disk:512', '--label', 'service=pg', '--json'])).stdout);
  expect(reserved).toMatchObject({ agent_id: agentId, action: 'reserve', role: 'db' });
  await ok(['volume', 'create', short, '--role', 'db', '--id', 'pgdata', '--size', '256', '--path', 'data']);

  const volumes = JSON.parse((await ok(['volumes', '--json'])).stdout).volumes;
  expect(volumes).toEqual([{ agent_id: agentId, hostname: expect.any(String), role: 'db', id: 'pgdata', size_mb: 256, container_path: 'data', mode: 'RW' }]);
  const roles = await ok(['roles']);
  expect(roles.stdout).toMatch(/db/);
  expect(roles.stdout).toMatch(/volume pgdata at data \(RW\)/);

  // The task takes the role's reserved cpus and mem and the volume; the data outlives it.
  const writer = await ok(['exec', '--name', 'writer', '--role', 'db', '--volume', 'pgdata', '--resources', 'cpus:0.5;mem:128', '--command', 'echo kept > data/payload']);
  expect(writer.stdout).toMatch(/TASK_FINISHED/);
  const reader = await ok(['exec', '--name', 'reader', '--role', 'db', '--volume', 'pgdata', '--resources', 'cpus:0.5;mem:128', '--command', 'test "$(cat data/payload)" = kept']);
  expect(reader.stdout).toMatch(/TASK_FINISHED/);

  // A volume no agent has is an error at once, naming it.
  const missing = await cli(['exec', '--name', 'nowhere', '--role', 'db', '--volume', 'nope', '--command', 'true']);
  expect(missing.code).not.toBe(0);
  expect(unwrap(missing.stderr)).toMatch(/no agent has a volume 'nope' of role 'db'/);

  // In use: DESTROY is refused; after the task, it deletes the data.
  const running = runCli(['exec', '--master', cluster.url, '--name', 'holder', '--role', 'db', '--volume', 'pgdata', '--resources', 'cpus:0.5;mem:128', '--command', 'sleep 30', '--kill-after', '8secs'], { dataHome: scratch, timeoutMs: 60_000 });
  await eventually(async () => {
    const tasks = await getJson<{ tasks: { name: string; state: string }[] }>(`${cluster.url}/tasks`);
    return tasks.tasks.some((t) => t.name === 'holder' && t.state === 'TASK_RUNNING');
  }, 'the holder task running', 30_000);
  const refused = await cli(['volume', 'destroy', short, '--id', 'pgdata']);
  expect(refused.code).not.toBe(0);
  expect(unwrap(refused.stderr)).toMatch(/in use/i);
  await running;
  await ok(['volume', 'destroy', short, '--id', 'pgdata']);
  expect(JSON.parse((await ok(['volumes', '--json'])).stdout).volumes).toEqual([]);

  const unreserved = JSON.parse((await ok(['unreserve', short, '--role', 'db', '--json'])).stdout);
  expect(unreserved.resources.map((r: { name: string }) => r.name).sort()).toEqual(['cpus', 'disk', 'mem']);
  const state = await getJson<{ slaves: { reserved_resources_full?: Record<string, unknown[]> }[] }>(`${cluster.url}/state`);
  expect(state.slaves[0].reserved_resources_full?.db ?? []).toEqual([]);
  const again = await cli(['unreserve', short, '--role', 'db']);
  expect(again.code).not.toBe(0);
  expect(unwrap(again.stderr)).toMatch(/nothing dynamically reserved for role 'db'/);
}, 180_000);
