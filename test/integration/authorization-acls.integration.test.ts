/**
 * Authorization with Mesos-format ACLs (--acls) on a real master and agent with authentication on:
 * for every action enforced, an allowed principal succeeds and a refused one gets 403, a filtered
 * answer or TASK_ERROR, through the public HTTP APIs. The ACLs are not permissive, so everything the
 * file does not grant is refused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMaster } from '../../cluster/master';
import { basicAuthorization, type Credential } from '../../cluster/http/auth';
import { Resources } from '../../cluster/protocol/resources';
import { silentLogger } from '../../cluster/util/log';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, RecordStream, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

const OPS: Credential = { principal: 'ops', secret: 'ops-secret' };
const VIEWER: Credential = { principal: 'viewer', secret: 'viewer-secret' };
const FW_A: Credential = { principal: 'fw-a', secret: 'fw-a-secret' };
const FW_B: Credential = { principal: 'fw-b', secret: 'fw-b-secret' };
const FW_C: Credential = { principal: 'fw-c', secret: 'fw-c-secret' };

const basic = (c: Credential) => ({ Authorization: basicAuthorization(c) });
const ops = (values: string[] = ['ops']) => ({ principals: { values } });
const anyOf = (field: string) => ({ [field]: { type: 'ANY' } });

/** ops may do everything; viewer may see what user alice runs; fw-a runs as alice, fw-b as bob. */
const ACLS = {
  permissive: false,
  register_frameworks: [{ principals: { values: ['fw-a', 'fw-b'] }, roles: { values: ['*', 'web'] } }],
  run_tasks: [
    { principals: { values: ['fw-a'] }, users: { values: ['alice'] } },
    { principals: { values: ['fw-b'] }, users: { values: ['bob'] } },
  ],
  teardown_frameworks: [{ ...ops(), ...anyOf('framework_principals') }],
  // The master reads agents' /state (to find sandboxes) as the principal 'master'.
  ...Object.fromEntries(['view_frameworks', 'view_tasks', 'view_executors'].map((action) => [action, [
    { ...ops(['ops', 'master']), ...anyOf('users') },
    { principals: { values: ['viewer'] }, users: { values: ['alice'] } },
  ]])),
  access_sandboxes: [{ ...ops(['ops', 'master']), ...anyOf('users') }, { principals: { values: ['viewer'] }, users: { values: ['alice'] } }],
  update_weights: [{ ...ops(), ...anyOf('roles') }],
  update_quotas: [{ ...ops(), ...anyOf('roles') }],
  get_quotas: [{ ...ops(), ...anyOf('roles') }],
  view_roles: [{ ...ops(), ...anyOf('roles') }, { principals: { values: ['viewer'] }, roles: { values: ['web'] } }],
  view_flags: [{ ...ops(), ...anyOf('flags') }],
  get_endpoints: [{ ...ops(), ...anyOf('paths') }],
  ...Object.fromEntries(['mark_agents_gone', 'drain_agents', 'deactivate_agents', 'reactivate_agents'].map((action) => [action, [{ ...ops(), ...anyOf('agents') }]])),
  ...Object.fromEntries(['update_maintenance_schedules', 'get_maintenance_schedules', 'get_maintenance_statuses', 'start_maintenances', 'stop_maintenances']
    .map((action) => [action, [{ ...ops(), ...anyOf('machines') }]])),
  set_log_level: [{ ...ops(), ...anyOf('level') }],
};

describe('authorization with --acls on master and agent', () => {
  let dir: string;
  let cluster: TestCluster;
  let a: RawScheduler;
  let b: RawScheduler;
  const streams: RecordStream[] = [];
  let opsEvents: RecordStream;
  let viewerEvents: RecordStream;
  let agentId: string;

  const operator = (as: Credential, body: unknown) => request(`${cluster.url}/api/v1`, { body, headers: basic(as) });
  const get = (as: Credential, url: string) => request(url, { headers: basic(as) });
  const json = async (as: Credential, body: unknown) => {
    const res = await operator(as, body);
    expect({ status: res.status, text: res.status === 200 ? '' : res.text }).toEqual({ status: 200, text: '' });
    return JSON.parse(res.text);
  };
  const subscribe = (as: Credential, info: Record<string, unknown>) =>
    RawScheduler.subscribe(cluster.url, frameworkInfo({ principal: as.principal, ...info }), {}, basic(as));

  /**
   * One ACCEPT on the scheduler's next offer: `tasks` ([id, command, user?]) and a task group
   * `<prefix>-grouped` under executor `<prefix>-executor`. The rest of the offer is refused for an
   * hour, so that the next framework is offered it (a framework that holds offers starves the others).
   */
  async function launch(s: RawScheduler, prefix: string, tasks: [string, string, string?][]): Promise<void> {
    const [offer] = await s.nextOffers();
    const infos = tasks.map(([id, command, user]) => {
      const task = commandTask(offer, id, command, 'cpus:0.1;mem:16');
      return user ? { ...task, command: { ...task.command, user } } : task;
    });
    await s.expectAccepted({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'LAUNCH', launch: { task_infos: infos } },
          {
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor: { type: 'DEFAULT', executor_id: { value: `${prefix}-executor` }, resources: Resources.parse('cpus:0.1;mem:16').toV1() },
              task_group: { tasks: [commandTask(offer, `${prefix}-grouped`, 'sleep 30', 'cpus:0.1;mem:16')] },
            },
          },
        ],
        filters: { refuse_seconds: 3600 },
      },
    });
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-acls-'));
    const credentials = path.join(dir, 'credentials.json');
    fs.writeFileSync(credentials, JSON.stringify({ credentials: [OPS, VIEWER, FW_A, FW_B, FW_C] }), { mode: 0o600 });
    const acls = path.join(dir, 'acls.json');
    fs.writeFileSync(acls, JSON.stringify(ACLS));
    cluster = await startCluster({
      agents: 1,
      // A reservation for 'prod', a role the viewer may not view.
      agentResources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31099];cpus(prod):1',
      master: { authenticateFrameworks: true, authenticateHttpReadwrite: true, authenticateHttpReadonly: true, credentials, acls },
      // The same file as Mesos takes it: a file:// URL.
      agent: { authenticateHttpReadonly: true, httpCredentials: credentials, acls: `file://${acls}` },
    });
    agentId = cluster.agents[0].agentId!;
    opsEvents = new RecordStream(`${cluster.url}/api/v1`, { type: 'SUBSCRIBE' }, basic(OPS));
    viewerEvents = new RecordStream(`${cluster.url}/api/v1`, { type: 'SUBSCRIBE' }, basic(VIEWER));
    streams.push(opsEvents, viewerEvents);
    await opsEvents.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    await viewerEvents.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');

    a = (await subscribe(FW_A, { user: 'alice', name: 'fw-a' })).autoAcknowledge();
    // a-root asks for root: run_tasks grants fw-a only alice.
    await launch(a, 'a', [['a-task', 'echo out-a; sleep 30'], ['a-root', 'sleep 30', 'root']]);
    await a.update('a-task', 'TASK_RUNNING');
    b = (await subscribe(FW_B, { user: 'bob', name: 'fw-b' })).autoAcknowledge();
    await launch(b, 'b', [['b-task', 'echo out-b; sleep 30']]);
    await b.update('b-task', 'TASK_RUNNING');
    await a.update('a-grouped', 'TASK_RUNNING');
    await b.update('b-grouped', 'TASK_RUNNING');
  }, 90_000);

  afterAll(async () => {
    for (const s of [a, b, ...streams]) s?.close();
    await cluster?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('register_frameworks (SUBSCRIBE)', () => {
    it('lets a principal subscribe with the roles it is granted', async () => {
      const web = await subscribe(FW_A, { user: 'alice', role: 'web', name: 'fw-a-web' });
      expect(web.frameworkId).not.toBe('');
      web.close();
    });

    it('answers 403 to a role the principal is not granted, and to a principal granted none', async () => {
      for (const [as, role] of [[FW_A, 'prod'], [FW_C, '*']] as const) {
        const stream = await new RecordStream(`${cluster.url}/api/v1/scheduler`, {
          type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo({ principal: as.principal, user: 'alice', role }) },
        }, basic(as)).response();
        streams.push(stream);
        expect(stream.status).toBe(403);
        await eventually(() => stream.ended, 'the 403 body');
        expect(stream.errorText).toContain(`Not authorized to use roles '${role}'`);
      }
      const frameworks = (await json(OPS, { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks;
      expect(frameworks.map((f: any) => f.framework_info.name).sort()).toEqual(['fw-a', 'fw-b']);
    });

    it('answers 403 to an UPDATE_FRAMEWORK into a role the principal is not granted, and takes one it is', async () => {
      const web = await subscribe(FW_A, { user: 'alice', role: 'web', name: 'fw-a-moving' });
      try {
        const update = (role: string) => web.call({
          type: 'UPDATE_FRAMEWORK',
          update_framework: { framework_info: frameworkInfo({ id: { value: web.frameworkId }, principal: FW_A.principal, user: 'alice', role, name: 'fw-a-moving' }) },
        });
        const refused = await update('prod');
        expect({ status: refused.status, text: refused.text }).toEqual({ status: 403, text: expect.stringContaining("Not authorized to use roles 'prod'") });
        expect((await update('*')).status).toBe(200);
        const moved = (await json(OPS, { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks.find((f: any) => f.framework_info.id.value === web.frameworkId);
        expect(moved.framework_info.role).toBe('*');
      } finally {
        web.close();
      }
    });
  });

  describe('run_tasks (LAUNCH, LAUNCH_GROUP)', () => {
    it('runs the tasks of a user the framework\'s principal is granted', async () => {
      expect(a.updates('a-task').map((s) => s.state)).toContain('TASK_RUNNING');
      expect(a.updates('a-grouped').map((s) => s.state)).toContain('TASK_RUNNING');
    });

    it('ends a task that asks for a user it is not granted in TASK_ERROR, as the Mesos master does', async () => {
      const status = await a.update('a-root', 'TASK_ERROR');
      expect(status.reason).toBe('REASON_TASK_UNAUTHORIZED');
      expect(status.source).toBe('SOURCE_MASTER');
      expect(status.message).toBe("Not authorized to launch as user 'root'");
      expect(a.updates('a-root').map((s) => s.state)).toEqual(['TASK_ERROR']);
    });

    it('refuses a task group whose user is not granted as a whole', async () => {
      const from = b.events.length;
      await b.expectAccepted({ type: 'REVIVE' });
      const offers = await b.nextOffers({ from });
      await b.expectAccepted({
        type: 'ACCEPT',
        accept: {
          offer_ids: [offers[0].id],
          operations: [{
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor: { type: 'DEFAULT', executor_id: { value: 'b-alice' }, command: { user: 'alice' }, resources: Resources.parse('cpus:0.1;mem:16').toV1() },
              task_group: { tasks: [commandTask(offers[0], 'b-alice-1', 'sleep 30', 'cpus:0.1;mem:16')] },
            },
          }],
          filters: { refuse_seconds: 0 },
        },
      });
      const status = await b.update('b-alice-1', 'TASK_ERROR');
      expect(status.reason).toBe('REASON_TASK_GROUP_UNAUTHORIZED');
      expect(status.message).toBe("Not authorized to launch as user 'alice'");
    });
  });

  describe('view_frameworks, view_tasks, view_executors', () => {
    const names = (list: any[]) => list.map((f) => f.name ?? f.framework_info?.name).sort();
    const ids = (list: any[]) => list.map((t) => t.id ?? t.task_id?.value ?? t.executor_info?.executor_id?.value).sort();

    it('filters /state, /master/state and /frameworks', async () => {
      for (const p of ['/state', '/master/state', '/state.json', '/frameworks']) {
        const asOps = JSON.parse((await get(OPS, `${cluster.url}${p}`)).text);
        const asViewer = JSON.parse((await get(VIEWER, `${cluster.url}${p}`)).text);
        expect({ p, names: names(asOps.frameworks) }).toEqual({ p, names: ['fw-a', 'fw-b'] });
        expect({ p, names: names(asViewer.frameworks) }).toEqual({ p, names: ['fw-a'] });
        const a1 = asViewer.frameworks.find((f: any) => f.name === 'fw-a');
        expect(ids(a1.tasks)).toEqual(['a-grouped', 'a-task']);
        expect(a1.executors.map((e: any) => e.executor_id)).toEqual(['a-executor']);
        // The rest of the document is as it was: the web UI reads it the same way.
        if (p !== '/frameworks') expect(asViewer.slaves).toHaveLength(1);
      }
    });

    it('filters /state-summary and /tasks', async () => {
      const summary = JSON.parse((await get(VIEWER, `${cluster.url}/state-summary`)).text);
      expect(names(summary.frameworks)).toEqual(['fw-a']);
      expect(summary.slaves[0].framework_ids).toEqual([a.frameworkId]);
      expect(names(JSON.parse((await get(OPS, `${cluster.url}/state-summary`)).text).frameworks)).toEqual(['fw-a', 'fw-b']);
      const tasks = JSON.parse((await get(VIEWER, `${cluster.url}/tasks`)).text).tasks;
      // a-root was refused at launch: the master keeps no record of it, as Mesos does not.
      expect(ids(tasks)).toEqual(['a-grouped', 'a-task']);
      // The page is cut from what the viewer may see: b's newer tasks do not take its places.
      expect(ids(JSON.parse((await get(VIEWER, `${cluster.url}/tasks?limit=2&order=des`)).text).tasks)).toEqual(['a-grouped', 'a-task']);
      expect(ids(JSON.parse((await get(OPS, `${cluster.url}/tasks`)).text).tasks)).toEqual(expect.arrayContaining(['b-task', 'b-grouped', 'a-task']));
    });

    it('filters GET_STATE, GET_FRAMEWORKS, GET_TASKS and GET_EXECUTORS', async () => {
      const state = (await json(VIEWER, { type: 'GET_STATE' })).get_state;
      expect(names(state.get_frameworks.frameworks)).toEqual(['fw-a']);
      expect(ids(state.get_tasks.tasks)).toEqual(['a-grouped', 'a-task']);
      expect(ids(state.get_executors.executors)).toEqual(['a-executor']);
      expect(state.get_agents.agents).toHaveLength(1);
      expect(names((await json(VIEWER, { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks)).toEqual(['fw-a']);
      expect(ids((await json(VIEWER, { type: 'GET_TASKS' })).get_tasks.tasks)).toEqual(['a-grouped', 'a-task']);
      expect(ids((await json(VIEWER, { type: 'GET_EXECUTORS' })).get_executors.executors)).toEqual(['a-executor']);
      const all = (await json(OPS, { type: 'GET_STATE' })).get_state;
      expect(ids(all.get_tasks.tasks)).toEqual(['a-grouped', 'a-task', 'b-grouped', 'b-task']);
      expect(ids(all.get_executors.executors)).toEqual(['a-executor', 'b-executor']);
    });

    it('filters the operator event stream: its snapshot and its task and framework events', async () => {
      const taskEvents = (s: RecordStream) => s.records.filter((e: any) => e.type === 'TASK_ADDED').map((e: any) => e.task_added.task.task_id.value).sort();
      const frameworkEvents = (s: RecordStream) => s.records.filter((e: any) => e.type === 'FRAMEWORK_ADDED').map((e: any) => e.framework_added.framework.framework_info.name).sort();
      await eventually(() => taskEvents(opsEvents).length >= 4, 'every TASK_ADDED on the ops stream');
      expect(taskEvents(opsEvents)).toEqual(['a-grouped', 'a-task', 'b-grouped', 'b-task']);
      expect(taskEvents(viewerEvents)).toEqual(['a-grouped', 'a-task']);
      expect(frameworkEvents(opsEvents)).toEqual(expect.arrayContaining(['fw-a', 'fw-b']));
      expect(frameworkEvents(viewerEvents)).not.toContain('fw-b');
      expect(frameworkEvents(viewerEvents)).toContain('fw-a');
      const updatedB = viewerEvents.records.filter((e: any) => e.type === 'TASK_UPDATED' && e.task_updated.framework_id.value === b.frameworkId);
      expect(updatedB).toEqual([]);

      const late = new RecordStream(`${cluster.url}/api/v1`, { type: 'SUBSCRIBE' }, basic(VIEWER));
      streams.push(late);
      const subscribed: any = await late.waitFor((e: any) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      expect(names(subscribed.subscribed.get_state.get_frameworks.frameworks)).toEqual(['fw-a']);
      expect(ids(subscribed.subscribed.get_state.get_tasks.tasks)).toEqual(['a-grouped', 'a-task']);
    });

    it('filters the agent\'s /state', async () => {
      const agentState = async (as: Credential) => JSON.parse((await get(as, `${cluster.agents[0].url}/state`)).text);
      expect(names((await agentState(OPS)).frameworks)).toEqual(['fw-a', 'fw-b']);
      const seen = await agentState(VIEWER);
      expect(names(seen.frameworks)).toEqual(['fw-a']);
      expect(seen.frameworks[0].executors.flatMap((e: any) => e.tasks.map((t: any) => t.id)).sort()).toEqual(['a-grouped', 'a-task']);
    });
  });

  describe('access_sandboxes', () => {
    const stdout = (fw: RawScheduler, task: string) => `/frameworks/${encodeURIComponent(fw.frameworkId)}/tasks/${task}/stdout`;

    it('lets a principal read the sandboxes of the users it is granted, through the master (READ_FILE, LIST_FILES, /files/download)', async () => {
      const read = await eventually(async () => {
        const res = await json(VIEWER, { type: 'READ_FILE', read_file: { path: stdout(a, 'a-task'), offset: 0 } });
        const text = Buffer.from(res.read_file.data, 'base64').toString('utf8');
        return text.includes('out-a') && text;
      }, 'out-a in a-task\'s stdout');
      expect(read).toContain('out-a');
      const listed = await json(VIEWER, { type: 'LIST_FILES', list_files: { path: stdout(a, 'a-task').replace(/\/stdout$/, '') } });
      expect(listed.list_files.file_infos.map((f: any) => path.posix.basename(f.path))).toContain('stdout');
      const download = await get(VIEWER, `${cluster.url}/files/download?path=${encodeURIComponent(stdout(a, 'a-task'))}`);
      expect(download.status).toBe(200);
      const opsRead = await json(OPS, { type: 'READ_FILE', read_file: { path: stdout(b, 'b-task'), offset: 0 } });
      expect(opsRead.read_file.size).toBeGreaterThan(0);
    });

    it('answers 403 for the sandboxes of other users', async () => {
      const refused = [
        await operator(VIEWER, { type: 'READ_FILE', read_file: { path: stdout(b, 'b-task'), offset: 0 } }),
        await operator(VIEWER, { type: 'LIST_FILES', list_files: { path: stdout(b, 'b-task').replace(/\/stdout$/, '') } }),
        await get(VIEWER, `${cluster.url}/files/download?path=${encodeURIComponent(stdout(b, 'b-task'))}`),
      ];
      expect(refused.map((r) => r.status)).toEqual([403, 403, 403]);
      expect(refused[0].text).toContain("principal 'viewer' is not authorized to access sandboxes of user 'bob'");
    });

    it('guards the agent\'s /files the same way', async () => {
      const executors = JSON.parse((await get(OPS, `${cluster.agents[0].url}/state`)).text).frameworks
        .flatMap((f: any) => f.executors.map((e: any) => ({ framework: f.name, directory: e.directory })));
      const dirOf = (framework: string) => executors.find((e: any) => e.framework === framework).directory;
      const browse = (as: Credential, directory: string) => get(as, `${cluster.agents[0].url}/files/browse?path=${encodeURIComponent(directory)}`);
      expect((await browse(VIEWER, dirOf('fw-a'))).status).toBe(200);
      expect((await browse(OPS, dirOf('fw-b'))).status).toBe(200);
      const refused = await browse(VIEWER, dirOf('fw-b'));
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("user 'bob'");
      expect((await get(VIEWER, `${cluster.agents[0].url}/files/read?path=${encodeURIComponent(`${dirOf('fw-b')}/stdout`)}&offset=0`)).status).toBe(403);
    });
  });

  describe('view_flags and get_endpoints', () => {
    it('serves /flags, GET_FLAGS and /metrics/snapshot to the principal granted them and 403 to others', async () => {
      for (const url of [`${cluster.url}/flags`, `${cluster.url}/master/flags`, `${cluster.url}/metrics/snapshot`, `${cluster.url}/metrics`, `${cluster.agents[0].url}/flags`]) {
        expect({ url, status: (await get(OPS, url)).status }).toEqual({ url, status: 200 });
        expect({ url, status: (await get(VIEWER, url)).status }).toEqual({ url, status: 403 });
      }
      expect((await operator(OPS, { type: 'GET_FLAGS' })).status).toBe(200);
      expect((await operator(VIEWER, { type: 'GET_FLAGS' })).status).toBe(403);
      const flagsAcl = (await json(OPS, { type: 'GET_FLAGS' })).get_flags.flags.find((f: any) => f.name === 'acls');
      expect(flagsAcl.value).toContain('acls.json');
    });

    it('leaves the flags out of /state for a principal that may not view them', async () => {
      expect(JSON.parse((await get(OPS, `${cluster.url}/state`)).text).flags.acls).toContain('acls.json');
      expect(JSON.parse((await get(VIEWER, `${cluster.url}/state`)).text)).not.toHaveProperty('flags');
      expect(JSON.parse((await get(VIEWER, `${cluster.agents[0].url}/state`)).text)).not.toHaveProperty('flags');
    });
  });

  describe('update_weights, update_quotas, view_roles, get_quotas', () => {
    it('lets ops update weights and quota and answers 403 to the viewer', async () => {
      const weights = { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'web', weight: 2 }, { role: 'prod', weight: 3 }] } };
      const quota = { type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'web', guarantees: { cpus: { value: 0.1 } } }] } };
      for (const call of [weights, quota]) {
        const refused = await operator(VIEWER, call);
        expect({ call: call.type, status: refused.status }).toEqual({ call: call.type, status: 403 });
        expect({ call: call.type, status: (await operator(OPS, call)).status }).toEqual({ call: call.type, status: 200 });
      }
    });

    it('shows the viewer only the roles it may view, and no quota', async () => {
      const roleNames = (list: any[]) => list.map((r) => r.role ?? r.name).sort();
      expect(roleNames((await json(OPS, { type: 'GET_WEIGHTS' })).get_weights.weight_infos)).toEqual(['prod', 'web']);
      expect(roleNames((await json(VIEWER, { type: 'GET_WEIGHTS' })).get_weights.weight_infos)).toEqual(['web']);
      expect(roleNames((await json(OPS, { type: 'GET_ROLES' })).get_roles.roles)).toEqual(expect.arrayContaining(['prod', 'web']));
      expect(roleNames((await json(VIEWER, { type: 'GET_ROLES' })).get_roles.roles)).toEqual(['web']);
      expect(roleNames(JSON.parse((await get(VIEWER, `${cluster.url}/roles`)).text).roles)).toEqual(['web']);
      // Agents stay, without what is reserved to roles the principal may not view.
      const reserved = (resources: any[]) => resources.filter((r) => r.reservations?.length).map((r) => r.reservations.at(-1).role);
      const firstAgent = async (as: Credential) => (await json(as, { type: 'GET_AGENTS' })).get_agents.agents.find((g: any) => g.agent_info.id.value === agentId);
      expect(reserved((await firstAgent(OPS)).total_resources)).toEqual(['prod']);
      expect(reserved((await firstAgent(VIEWER)).total_resources)).toEqual([]);
      expect(reserved((await json(VIEWER, { type: 'GET_STATE' })).get_state.get_agents.agents[0].agent_info.resources)).toEqual([]);
      for (const p of ['/slaves', '/state']) {
        const slave = async (as: Credential) => JSON.parse((await get(as, `${cluster.url}${p}`)).text).slaves.find((g: any) => g.id === agentId);
        expect({ p, roles: Object.keys((await slave(OPS)).reserved_resources) }).toEqual({ p, roles: ['prod'] });
        expect({ p, roles: Object.keys((await slave(VIEWER)).reserved_resources) }).toEqual({ p, roles: [] });
        expect({ p, roles: Object.keys((await slave(OPS)).reserved_resources_full) }).toEqual({ p, roles: ['prod'] });
        expect({ p, roles: Object.keys((await slave(VIEWER)).reserved_resources_full) }).toEqual({ p, roles: [] });
      }
      expect((await json(OPS, { type: 'GET_QUOTA' })).get_quota.status.configs).toHaveLength(1);
      expect((await json(VIEWER, { type: 'GET_QUOTA' })).get_quota.status.configs).toEqual([]);
    });
  });

  describe('teardown_frameworks', () => {
    it('answers 403 to the viewer and lets ops tear a framework down', async () => {
      const call = { type: 'TEARDOWN', teardown: { framework_id: { value: b.frameworkId } } };
      const refused = await operator(VIEWER, call);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain(`not authorized to teardown frameworks framework '${b.frameworkId}'`);
      expect((await operator(OPS, call)).status).toBe(200);
      const after = (await json(OPS, { type: 'GET_FRAMEWORKS' })).get_frameworks;
      expect(after.frameworks.map((f: any) => f.framework_info.id.value)).not.toContain(b.frameworkId);
    });
  });

  describe('agent maintenance: deactivate, reactivate, drain, mark gone', () => {
    it('answers 403 to the viewer and lets ops do each', async () => {
      const spare = await cluster.addAgent();
      const id = { value: spare.agentId! };
      const calls = [
        { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: id } },
        { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: id } },
        { type: 'DRAIN_AGENT', drain_agent: { agent_id: id } },
        { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: id } },
      ];
      for (const call of calls) {
        const refused = await operator(VIEWER, call);
        expect({ call: call.type, status: refused.status }).toEqual({ call: call.type, status: 403 });
        const done = await operator(OPS, call);
        expect({ call: call.type, status: done.status, text: done.text }).toEqual({ call: call.type, status: 200, text: '' });
      }
      const agents = (await json(OPS, { type: 'GET_AGENTS' })).get_agents.agents.map((g: any) => g.agent_info.id.value);
      expect(agents).toEqual([agentId]);
    });
  });

  describe('machine maintenance and the logging level', () => {
    const machines = [{ hostname: 'acl-machine', ip: '10.99.0.1' }];
    const schedule = { windows: [{ machine_ids: machines, unavailability: { start: { nanoseconds: Date.now() * 1e6 }, duration: { nanoseconds: 3600e9 } } }] };

    it('answers 403 to the viewer and lets ops make each v1 call', async () => {
      const calls = [
        { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } },
        { type: 'GET_MAINTENANCE_SCHEDULE' },
        { type: 'GET_MAINTENANCE_STATUS' },
        { type: 'START_MAINTENANCE', start_maintenance: { machines } },
        { type: 'STOP_MAINTENANCE', stop_maintenance: { machines } },
        { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 0, duration: { nanoseconds: 1e9 } } },
      ];
      for (const call of calls) {
        const refused = await operator(VIEWER, call);
        expect({ call: call.type, status: refused.status }).toEqual({ call: call.type, status: 403 });
        const done = await operator(OPS, call);
        expect({ call: call.type, status: done.status, text: done.status === 200 ? '' : done.text }).toEqual({ call: call.type, status: 200, text: '' });
      }
    });

    it('guards the older endpoints with the same actions', async () => {
      const endpoints: [string, string, unknown?][] = [
        ['POST', '/master/maintenance/schedule', schedule],
        ['GET', '/master/maintenance/schedule'],
        ['GET', '/master/maintenance/status'],
        ['POST', '/master/machine/down', machines],
        ['POST', '/master/machine/up', machines],
        ['GET', '/logging/toggle?level=0&duration=1secs'],
      ];
      for (const [method, url, body] of endpoints) {
        const send = (as: Credential) => request(`${cluster.url}${url}`, { method, ...(body === undefined ? {} : { body }), headers: basic(as) });
        expect({ url, status: (await send(VIEWER)).status }).toEqual({ url, status: 403 });
        const done = await send(OPS);
        expect({ url, status: done.status, text: done.status === 200 ? '' : done.text }).toEqual({ url, status: 200, text: '' });
      }
    });
  });
});

describe('--acls at start-up', () => {
  it('stops a master whose ACLs do not validate, naming the flag and the field', () => {
    expect(() => createMaster({ logger: silentLogger, acls: '{"run_task": []}' })).toThrow(/--acls: acls: unknown ACL action 'run_task'/);
    expect(() => createMaster({ logger: silentLogger, acls: '{"view_flags": [{"principals": {"type": "ANY"}, "flags": {"values": ["x"]}}]}' }))
      .toThrow(/--acls: acls: view_flags\[0\]\.flags: the object of view_flags is implied/);
    expect(() => createMaster({ logger: silentLogger, acls: '/nonexistent/acls.json' })).toThrow(/--acls: cannot read \/nonexistent\/acls\.json: ENOENT/);
  });

  it('runs a master with permissive ACLs as one without', async () => {
    const cluster = await startCluster({ agents: 1, master: { acls: '{"permissive": true}' } });
    try {
      const s = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ user: 'root' }))).autoAcknowledge();
      const offers = await s.nextOffers();
      await s.launch([offers[0]], [commandTask(offers[0], 'root-task', 'true')]);
      await s.update('root-task', 'TASK_FINISHED');
      const state = JSON.parse((await request(`${cluster.url}/state`)).text);
      expect(state.frameworks).toHaveLength(1);
      expect(state.flags.acls).toBe('{"permissive": true}');
      s.close();
    } finally {
      await cluster.close();
    }
  });
});
