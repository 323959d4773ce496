/**
 * Conformance of the agent's operator API with Mesos's description of it (apache/mesos
 * docs/operator-http-api.md, "Agent API"): each documented request is sent with its documented
 * headers to a real agent running a task like the documented one (a command task holding cpus, mem,
 * disk and ports, of a framework "default" with a principal), and the answer is compared with the
 * documented example by shape, then on the values that matter.
 */
import * as fs from 'node:fs';
import type { Agent } from '../../cluster/agent';
import { Resources } from '../../cluster/protocol/resources';
import { request } from '../helpers/http';
import { shapeMismatches } from '../helpers/json-shape';
import { AGENT_OPERATOR_RESPONSES } from '../helpers/mesos-agent-doc-examples';
import { OPERATOR_RESPONSES } from '../helpers/mesos-doc-examples';
import { agentWithFakeMaster, type FakeMaster } from './agent-fake-master';

let scratch: string;
let master: FakeMaster;
let agent: Agent;

beforeAll(async () => {
  ({ scratch, master, agent } = await agentWithFakeMaster('conformance-agent-operator-'));
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_id: { value: 'fw-0000' },
      framework_info: { user: 'root', name: 'default', principal: 'my-principal', hostname: 'myhost', role: '*', checkpoint: false, failover_timeout: 0 },
      task: {
        name: '', task_id: { value: '1' }, agent_id: { value: 'fake-master-S0' },
        resources: Resources.parse('cpus:0.5;mem:64;disk:16;ports:[31000-31000]').toV1(), command: { value: 'sleep 1000' },
      },
    },
  });
  await master.waitFor(() => master.states('1').includes('TASK_RUNNING'), 'the task to run');
});

afterAll(async () => {
  await agent.close({ killTasks: true });
  await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function documentedCall(type: string): Promise<any> {
  const res = await request(`${agent.url}/api/v1`, {
    body: JSON.stringify({ type }),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  return JSON.parse(res.text);
}

const DOCUMENTED: Record<string, unknown> = { ...AGENT_OPERATOR_RESPONSES, GET_HEALTH: OPERATOR_RESPONSES.GET_HEALTH, GET_VERSION: OPERATOR_RESPONSES.GET_VERSION };

test.each(Object.keys(DOCUMENTED))('%s answers 200 with the documented shape', async (type) => {
  const answer = await documentedCall(type);
  expect(answer.type).toBe(type);
  expect(DOCUMENTED[type]).toBeDefined();
  expect(shapeMismatches(DOCUMENTED[type], answer)).toEqual([]);
});

test('the values the documented examples show: the command executor, the framework, the running task', async () => {
  const { get_state } = await documentedCall('GET_STATE');
  expect(get_state.get_executors.executors[0].executor_info).toMatchObject({
    executor_id: { value: '1' }, framework_id: { value: 'fw-0000' }, source: '1', name: "Command Executor (Task: 1) (Command: sh -c 'sleep 1000')",
  });
  expect(get_state.get_frameworks.frameworks[0].framework_info).toEqual({
    checkpoint: false, failover_timeout: 0, hostname: 'myhost', id: { value: 'fw-0000' }, name: 'default', principal: 'my-principal', role: '*', user: 'root',
  });
  const [task] = get_state.get_tasks.launched_tasks;
  expect(task).toMatchObject({ task_id: { value: '1' }, agent_id: { value: agent.agentId }, state: 'TASK_RUNNING', status_update_state: 'TASK_RUNNING' });
  expect(task.status_update_uuid).toBe(task.statuses[task.statuses.length - 1].uuid);
  expect(task.resources).toEqual(expect.arrayContaining([{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] }, role: '*' }]));
});
