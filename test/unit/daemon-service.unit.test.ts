/**
 * What `service` and `supervise` read (the service definition the launcher writes) and when the
 * supervisor starts a crashed daemon again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkServiceDefinition, supervisorPidFile } from '../../daemon/service-definition';
import { becomeUser } from '../../daemon/service';
import { FIRST_DELAY_MS, MAX_DELAY_MS, nextRestartDelay, STABLE_MS } from '../../daemon/supervisor';

const FILE = '/etc/mesoscloud/c1/agent.json';
const GOOD = {
  role: 'agent',
  cluster: 'c1',
  bundle: '/opt/mesoscloud/c1/mesoscloud-daemon-0123456789ab.js',
  args: ['agent', '--master', 'zk://10.0.0.2:2181/mesos', '--work_dir', '/var/lib/mesoscloud/c1/agent'],
  pidFile: '/var/lib/mesoscloud/c1/run/agent.pid',
  log: '/var/log/mesoscloud/c1/agent.log',
  env: { MESOSCLOUD_LOG_LEVEL: 'debug' },
};

describe('service definition', () => {
  it('accepts the launcher\'s layout; env may be left out', () => {
    expect(checkServiceDefinition(GOOD, FILE)).toEqual(GOOD);
    const { env: _env, ...noEnv } = GOOD;
    expect(checkServiceDefinition(noEnv, FILE).env).toEqual({});
  });

  it.each([
    [{ ...GOOD, role: 'scheduler' }, '"role" must be one of zookeeper, master, agent, got "scheduler"'],
    [{ ...GOOD, args: [] }, '"args" must be a non-empty list of strings, got []'],
    [{ ...GOOD, args: ['master', '--port', 5050] }, '"args" must be a non-empty list of strings'],
    [{ ...GOOD, args: ['master'] }, '"args" must be a list starting with the role\'s subcommand "agent", got ["master"]'],
    [{ ...GOOD, pidFile: 'run/agent.pid' }, '"pidFile" must be an absolute path, got "run/agent.pid"'],
    [{ ...GOOD, bundle: undefined }, '"bundle" must be an absolute path, got nothing'],
    [{ ...GOOD, env: { A: 1 } }, '"env" must be an object of strings, got {"A":1}'],
    [{ ...GOOD, user: 'Root; rm' }, '"user" must be a system user name, got "Root; rm"'],
    [[GOOD], '"(top level)" must be an object'],
  ])('refuses %j naming the file and the field', (raw, message) => {
    expect(() => checkServiceDefinition(raw, FILE)).toThrow(`service definition '${FILE}': ${message}`);
  });

  it('keeps the user a daemon drops to', () => {
    expect(checkServiceDefinition({ ...GOOD, role: 'master', args: ['master'], user: 'mesoscloud' }, FILE).user).toBe('mesoscloud');
    expect(checkServiceDefinition(GOOD, FILE)).not.toHaveProperty('user');
  });

  it('refuses to become a user the host does not have, naming it', () => {
    const passwd = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'passwd-')), 'passwd');
    fs.writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\n');
    expect(() => becomeUser('mesoscloud', passwd)).toThrow(`the service's user 'mesoscloud' does not exist on this host (not in ${passwd})`);
    fs.rmSync(path.dirname(passwd), { recursive: true });
  });

  it('puts the supervisor\'s pid next to the daemon\'s', () => {
    expect(supervisorPidFile('/var/lib/mesoscloud/c1/run/agent.pid')).toBe('/var/lib/mesoscloud/c1/run/agent.supervisor.pid');
  });
});

describe('restart backoff', () => {
  it('starts at 1 s and doubles up to 30 s while the daemon keeps crashing', () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 8; i++) delays.push((delay = nextRestartDelay(delay, 500)));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(FIRST_DELAY_MS).toBe(1000);
    expect(MAX_DELAY_MS).toBe(30_000);
  });

  it('starts over at 1 s after a run that lasted a minute', () => {
    expect(nextRestartDelay(30_000, STABLE_MS)).toBe(1000);
    expect(nextRestartDelay(30_000, STABLE_MS - 1)).toBe(30_000);
  });
});
