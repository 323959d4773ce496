/**
 * The built CLI's help and errors, as an operator meets them: every mistake says what was wrong,
 * what was received and what is allowed, exits with the documented code, and never shows a stack
 * trace. No daemon is started here; "master down" is a free port nobody listens on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import { ensureBuilt, hasStackTrace, runCli, unwrap, type CliResult } from '../helpers/run-cli';

let dataHome: string;

const TASK_JSON = '{"name":"t","task_id":{"value":"t"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}],"command":{"value":"true"}}';
const GROUP_JSON = `{"tasks":[${TASK_JSON}]}`;

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { dataHome, env, timeoutMs: 30_000 });
}

beforeAll(() => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-usage-'));
}, 180_000);

afterAll(() => {
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
});

/** Asserts a usage error: exit 2, the code, every expected fragment on stderr, no stack trace. */
function expectUsageError(r: CliResult, code: string, ...fragments: (string | RegExp)[]): void {
  expect({ exit: r.code, stdout: r.stdout }).toEqual({ exit: 2, stdout: '' });
  expect(hasStackTrace(r.stderr)).toBe(false);
  const text = unwrap(r.stderr);
  expect(text).toContain(`Code: ${code}`);
  for (const f of fragments) expect(text).toMatch(typeof f === 'string' ? new RegExp(f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : f);
}

describe('unknown command', () => {
  it('lists the commands and suggests the nearest one for a typo', async () => {
    expectUsageError(await cli(['exce', '--name', 'x']), 'UNKNOWN_COMMAND',
      "'exce' is not a mesoscloud command; the commands are: agent, agent deactivate, agent drain, agent gone, agent reactivate, agents, ami build, ami list, clusters, copy, destroy, exec,",
      'did you mean `mesoscloud exec`?');
  });

  it('spells subcommands as they are typed', async () => {
    expectUsageError(await cli(['agent', 'drian', 'S1']), 'UNKNOWN_COMMAND', "'agent drian' is not a mesoscloud command", 'did you mean `mesoscloud agent drain`?');
  });

  it('suggests nothing when no command is close', async () => {
    const r = await cli(['frobnicate']);
    expectUsageError(r, 'UNKNOWN_COMMAND', "'frobnicate' is not a mesoscloud command");
    expect(r.stderr).not.toContain('did you mean');
  });
});

describe('help', () => {
  it.each([
    'launch', 'exec', 'status', 'destroy', 'master', 'agent', 'agents', 'tasks', 'frameworks', 'roles', 'offers', 'logs', 'kill',
    'agent drain', 'agent deactivate', 'agent reactivate', 'agent gone', 'teardown', 'ui', 'weights', 'quota',
  ])('%s --help describes the command and exits 0', async (command) => {
    const r = await cli([...command.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`$ mesoscloud ${command}`);
    expect(r.stdout).not.toContain('\\`');
    if (!['master', 'agent'].includes(command)) {
      expect(r.stdout).toMatch(/Exit codes: 0 done; 1 failed/);
      expect(r.stdout).toContain('EXAMPLES');
      expect(r.stdout).toContain('--json');
    }
  });

  it('printing help loads neither protobuf, nor Pulumi, nor the AWS SDK (each is loaded by the call that needs it)', async () => {
    const tracer = path.join(__dirname, '..', 'fixtures', 'report-heavy-loads.js');
    for (const args of [['--help'], ['master', '--help'], ['exec', '--help'], ['launch', '--help'], ['clusters', '--help'], ['ami', 'build', '--help']]) {
      const r = await cli(args, { NODE_OPTIONS: `--require ${tracer}` });
      expect({ args, code: r.code, loaded: r.stderr.match(/heavy libraries loaded: \[(.*)\]/)?.[1] }).toEqual({ args, code: 0, loaded: '' });
    }
  });

  it('-h and `help <command>` show the same help as --help', async () => {
    const help = (await cli(['exec', '--help'])).stdout;
    expect((await cli(['exec', '-h'])).stdout).toBe(help);
    expect((await cli(['help', 'exec'])).stdout).toBe(help);
  });
});

describe('flag errors', () => {
  it.each<[string[], string, (string | RegExp)[]]>([
    [['exec', '--name', 'x', '--command', 'true', '--resources', 'cpus=1'], 'BAD_FLAG', ['--resources must be resources like', "got 'cpus=1'"]],
    [['exec', '--name', 'x', '--command', 'true', '--env', '{bad'], 'BAD_FLAG', ['--env must be a JSON object', "got '{bad'"]],
    [['exec', '--name', 'x', '--command', 'true', '--env', 'file:///no/such/file'], 'BAD_FLAG', ["--env: cannot read '/no/such/file' (ENOENT)"]],
    [['exec', '--name', 'x', '--command', 'true', '--kill-after', 'soon'], 'BAD_FLAG', ["invalid duration 'soon'", 'e.g. 5secs']],
    [['exec', '--name', 'x', '--command', 'true', '--kill_after', 'soon'], 'BAD_FLAG', ['--kill-after', "invalid duration 'soon'"]],
    [['exec', '--name', 'a/b', '--command', 'true'], 'BAD_FLAG', ['--name is also the task id', "got 'a/b'"]],
    [['exec', '--name', 'x', '--command', 'echo "open', '--no-shell'], 'BAD_FLAG', ['--command: unterminated double quote']],
    [['exec', '--name', 'x', '--command', ' '], 'BAD_FLAG', ['--command must not be empty']],
    [['exec', '--name', 'x', '--command', 'true', '--checkpoint=maybe'], 'BAD_FLAG', ["--checkpoint is a switch", "got 'maybe'"]],
    [['exec', '--name', 'x', '--command', 'true', '--framework_capabilities', 'MAGIC'], 'BAD_FLAG', ["'MAGIC' is not a capability", 'allowed: GPU_RESOURCES']],
    [['launch', '--agents', '0'], 'BAD_FLAG', ["--agents must be a whole number from 1 to 10000, got '0'"]],
    [['launch', '--agents', 'abc'], 'BAD_FLAG', ["--agents must be a whole number from 1 to 10000, got 'abc'"]],
    [['launch', '--agents', '65'], 'BAD_FLAG', ['--agents 65 is too many for one machine; the local provider runs 1-64 agents']],
    [['launch', '--provider', 'ssh'], 'BAD_CLUSTER_SPEC', ['hosts']],
    [['launch', '--hosts', '10.0.0.1,a b', '--dry-run'], 'BAD_CLUSTER_SPEC', ["hosts[1] (--hosts)"]],
    [['launch', '-f', '/nonexistent/cluster.yaml'], 'BAD_CLUSTER_FILE', ['/nonexistent/cluster.yaml does not exist']],
    [['run', 'uptime'], 'NO_CLUSTER', ["no cluster named 'local'"]],
    [['scale'], 'MISSING_FLAG', ['--agents N']],
    [['launch', '--master-port', '99999'], 'BAD_FLAG', ["--master-port must be a whole number from 1 to 65535, got '99999'"]],
    [['launch', '--provider', 'gcp'], 'BAD_FLAG', ["--provider must be one of local, ssh, aws, got 'gcp'"]],
    [['launch', '--cluster', 'Prod'], 'BAD_FLAG', ["--cluster: cluster name must be", "got 'Prod'"]],
    [['exec', '--name', 'x', '--command', 'true', '--kil-after', '1s'], 'UNKNOWN_FLAG', ['mesoscloud exec has no flag --kil-after', 'did you mean --kill-after?']],
    [['exec', '--command', 'true'], 'MISSING_FLAG', ['mesoscloud exec needs --name']],
    [['exec'], 'MISSING_FLAG', [/needs --(command|name) and --(name|command)/]],
    [['exec', '--task', '{bad'], 'BAD_FLAG', ['--task must be a TaskInfo as JSON, or file:///path to a file holding one', "got '{bad'"]],
    [['exec', '--task', '[]'], 'BAD_FLAG', ['--task must be a TaskInfo as a JSON object, got an array']],
    [['exec', '--task', '{"name":"t"}'], 'BAD_FLAG', ["--task is not a valid TaskInfo: 'task_id'"]],
    [['exec', '--task', '{"name":"t","task_id":{"value":"t"},"resources":[],"command":{"value":"true"}}'], 'BAD_FLAG', ['--task is not a valid TaskInfo: Task uses no resources']],
    [['exec', '--task', 'file:///no/such/task.json'], 'BAD_FLAG', ["--task: cannot read '/no/such/task.json' (ENOENT)"]],
    [['exec', '--task', TASK_JSON, '--task-group', GROUP_JSON], 'BAD_FLAG', ['give --task or --task-group, got both']],
    [['exec', '--task', TASK_JSON, '--command', 'true'], 'BAD_FLAG', ['--command cannot be combined with --task', 'got --command "true"', 'put it in the TaskInfo instead']],
    [['exec', '--task_group', GROUP_JSON, '--resources', 'cpus:1'], 'BAD_FLAG', ['--resources cannot be combined with --task-group']],
    [['exec', '--task-group', '{"tasks":[]}'], 'BAD_FLAG', ["--task-group is not a valid TaskGroupInfo: 'tasks': must list at least one task"]],
    [['exec', '--task-group', GROUP_JSON.replace('"command"', '"executor":{"executor_id":{"value":"e"}},"command"')], 'BAD_FLAG', ['--task-group is not a valid TaskGroupInfo:', "Task 't' should not have 'ExecutorInfo' set"]],
    [['exec', '--task-group', GROUP_JSON, '--stream'], 'BAD_FLAG', ['--stream follows the output of one task']],
    [['exec', '--name', 'x', '--command', 'echo', 'hello'], 'UNEXPECTED_ARGUMENT', ["got the extra argument(s) 'hello'", 'quote a value that holds spaces']],
    [['master', '--port', 'abc'], 'BAD_FLAG', ["--port must be a whole number from 0 to 65535, got 'abc'", 'see every flag with: mesoscloud master --help']],
    [['master', '--portt', '1'], 'UNKNOWN_FLAG', ['mesoscloud master has no flag --portt; its flags are --ip, --port,', 'did you mean --port?']],
    [['agent', '--work_dir', '/w'], 'MISSING_FLAG', ['mesoscloud agent needs --master, and it was not given']],
    [['agent', '--master', 'm', '--work_dir', '/w', '--isolation', 'docker'], 'BAD_FLAG', ["--isolation must be one of auto, cgroups/v1, cgroups/v2, none, got 'docker'"]],
    [['status', '--master', 'zk://10.0.0.5:2181'], 'BAD_FLAG', ["--master: ZooKeeper URL 'zk://10.0.0.5:2181' has no path; add one, e.g. zk://host:2181/mesos"]],
    // Masters take zk://user:password@ (digest ACLs); a user without a password is a mistake.
    [['status', '--master', 'zk://justuser@10.0.0.5:2181/mesos'], 'BAD_FLAG', ['--master:', 'has credentials but not as user:password']],
  ])('mesoscloud %j fails with exit 2 and says what was wrong', async (args, code, fragments) => {
    expectUsageError(await cli(args), code, ...fragments);
  });

  it('names the environment variable when a bad value came from it', async () => {
    expectUsageError(await cli(['status'], { MESOSCLOUD_CLUSTER: 'Bad_Name' }), 'BAD_FLAG', 'MESOSCLOUD_CLUSTER (the default of --cluster)', "got 'Bad_Name'");
  });

  it('--json turns an error into one JSON object with the code, the message and the exit code', async () => {
    const r = await cli(['launch', '--agents', '0', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'BAD_FLAG',
        message: "--agents must be a whole number from 1 to 10000, got '0'",
        suggestions: ['see every flag with: mesoscloud launch --help'],
        exit_code: 2,
      },
    });
  });
});

describe('without a cluster', () => {
  it.each([['status'], ['exec', '--name', 'x', '--command', 'true']])('mesoscloud %j says no cluster is recorded and how to start one', async (...args) => {
    expectUsageError(await cli(args), 'NO_CLUSTER', "no cluster named 'local' is recorded", 'mesoscloud launch', '--master host:port');
  });

  it('MESOSCLOUD_CLUSTER picks the cluster, and the hint keeps the name', async () => {
    expectUsageError(await cli(['status'], { MESOSCLOUD_CLUSTER: 'dev' }), 'NO_CLUSTER', "no cluster named 'dev'", 'mesoscloud launch --cluster dev');
  });

  it('destroy is harmless and says there was nothing to destroy', async () => {
    const r = await cli(['destroy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No cluster named 'local'");
    const j = await cli(['destroy', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ cluster: 'local', found: false, provider: 'local', stopped: [] });
  });

  it('a master nobody runs is unreachable (exit 1), with hints about --master', async () => {
    const port = await freePort();
    const r = await cli(['status', '--master', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}: connection refused`);
    expect(r.stderr).toContain('MASTER_UNREACHABLE');
    expect(r.stderr).toContain('--master');
  });

  it('a recorded cluster whose master stopped: exec fails (exit 1) pointing at launch, the master log and destroy', async () => {
    const port = await freePort();
    const dir = path.join(dataHome, 'mesoscloud', 'clusters', 'ghost');
    fs.mkdirSync(dir, { recursive: true });
    const logPath = path.join(dir, 'logs', 'master.log');
    fs.writeFileSync(path.join(dir, 'cluster.json'), JSON.stringify({
      name: 'ghost', provider: 'local', masterUrl: `http://127.0.0.1:${port}`, createdAt: new Date().toISOString(),
      master: { pid: 0, port, workDir: path.join(dir, 'master'), logPath }, agents: [],
    }));
    const r = await cli(['exec', '--cluster', 'ghost', '--name', 'x', '--command', 'true', '--json']);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({ code: 'MASTER_UNREACHABLE', exit_code: 1 });
    expect(error.message).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(error.suggestions.join('\n')).toContain('mesoscloud launch --cluster ghost');
    expect(error.suggestions.join('\n')).toContain(logPath);
    expect(error.suggestions.join('\n')).toContain('mesoscloud destroy --cluster ghost');
    expect((await cli(['destroy', '--cluster', 'ghost'])).code).toBe(0);
  });
});
