/**
 * `mesoscloud exec --task` and `--task-group` (mesos-execute's --task and --task_group), the built
 * CLI run as a user runs it against a real master and agent: a TaskInfo given inline, a TaskGroupInfo
 * read from file://, agent_id filled in from the offer whatever the JSON says, a group ending when
 * all its tasks have, and the exit code telling whether every task finished.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execSuite } from '../helpers/exec-suite';
import { request } from '../helpers/http';
import { hasStackTrace } from '../helpers/run-cli';

const suite = execSuite('exec-task');
const cli = suite.exec;

const cpusMem = (cpus: number, mem: number) => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

async function completedTasks(): Promise<{ task_id: { value: string }; state: string; agent_id: { value: string }; executor_id?: { value: string } }[]> {
  const res = await request(`${suite.cluster().url}/api/v1`, { body: { type: 'GET_TASKS' } });
  return JSON.parse(res.text).get_tasks.completed_tasks ?? [];
}

test('--task launches the TaskInfo as given, on the offer\'s agent whatever agent_id it held', async () => {
  const task = { name: 'given', task_id: { value: 'given-task' }, agent_id: { value: 'not-an-agent' }, resources: cpusMem(0.2, 32), command: { value: 'echo given' } };

  const r = await cli(['--task', JSON.stringify(task)]);

  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(r.stdout).toContain(`Submitted task 'given-task' to agent '${suite.cluster().agents[0].agentId}'`);
  expect(r.stdout).toContain("Received status update TASK_FINISHED for task 'given-task'");
  const done = (await completedTasks()).find((t) => t.task_id.value === 'given-task');
  expect(done).toMatchObject({ state: 'TASK_FINISHED', agent_id: { value: suite.cluster().agents[0].agentId } });
});

test('--task_group from file:// runs every task under the default executor and ends when all have; --json lists them', async () => {
  const group = {
    tasks: [
      { name: 'one', task_id: { value: 'group-one' }, agent_id: { value: '' }, resources: cpusMem(0.1, 32), command: { value: 'sleep 0.2' } },
      { name: 'two', task_id: { value: 'group-two' }, resources: cpusMem(0.1, 32), command: { value: 'echo two' } },
    ],
  };
  const file = path.join(suite.scratch(), 'group.json');
  fs.writeFileSync(file, JSON.stringify(group));

  const r = await cli(['--task_group', `file://${file}`, '--json']);

  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const result = JSON.parse(r.stdout);
  expect(result).toMatchObject({ task_id: 'group-one', task_ids: ['group-one', 'group-two'], agent_id: suite.cluster().agents[0].agentId, exit_code: 0 });
  const finished = result.statuses.filter((s: { state: string }) => s.state === 'TASK_FINISHED');
  expect(finished).toHaveLength(2);
  const tasks = await completedTasks();
  for (const id of ['group-one', 'group-two']) {
    expect(tasks.find((t) => t.task_id.value === id)).toMatchObject({ state: 'TASK_FINISHED', executor_id: { value: 'default-executor' } });
  }
});

test('a group with a task that fails exits 1', async () => {
  const group = {
    tasks: [
      { name: 'ok', task_id: { value: 'mixed-ok' }, resources: cpusMem(0.1, 32), command: { value: 'true' } },
      { name: 'bad', task_id: { value: 'mixed-bad' }, resources: cpusMem(0.1, 32), command: { value: 'exit 3' } },
    ],
  };

  const r = await cli(['--task-group', JSON.stringify(group)]);

  expect(r.code).toBe(1);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(r.stdout).toContain("Submitted task group with tasks [ mixed-ok, mixed-bad ] to agent");
  expect(r.stdout).toContain("Received status update TASK_FAILED for task 'mixed-bad'");
});
