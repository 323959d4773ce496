import { agentArgs, agentPortRange, agentResources, chooseTaskPorts, localLayout, masterArgs, namesPorts, quorumOf, TASK_PORTS } from '../../infra/providers/local-layout';
import { Resources } from '../../cluster/protocol/resources';
import { localSpec } from '../../infra/providers/local';
import { AgentSchema, MasterSchema, ZooKeeperSchema } from '../../infra/plan/spec-schema';

describe('local cluster layout', () => {
  it('gives each agent a disjoint share of ports 31000-32000 that together cover it', () => {
    for (const n of [1, 2, 3, 7, 64]) {
      const bounds = Array.from({ length: n }, (_, i) => /^ports:\[(\d+)-(\d+)\]$/.exec(agentPortRange(i, n))!.slice(1).map(Number));
      expect(bounds[0][0]).toBe(31000);
      expect(bounds[n - 1][1]).toBe(32000);
      for (let i = 0; i < n; i++) {
        expect(bounds[i][0]).toBeLessThanOrEqual(bounds[i][1]);
        if (i > 0) expect(bounds[i][0]).toBe(bounds[i - 1][1] + 1);
      }
      const total = bounds.reduce((acc, [b, e]) => acc.plus(Resources.parse(`ports:[${b}-${e}]`)), Resources.empty());
      expect(total.equals(Resources.parse('ports:[31000-32000]'))).toBe(true);
    }
  });

  it('adds the port share to the operator\'s resources unless ports were given', () => {
    expect(agentResources('cpus:2;mem:2048', 1, 2)).toBe('cpus:2;mem:2048;ports:[31500-32000]');
    expect(agentResources(undefined, 0, 1)).toBe('ports:[31000-32000]');
    expect(agentResources('cpus:1;ports:[5000-5010]', 0, 2)).toBe('cpus:1;ports:[5000-5010]');
  });

  it('puts every file of the cluster under its directory', () => {
    const l = localLayout('/data/clusters/dev');
    expect([l.masterWorkDir, l.masterLog, l.agentWorkDir(1), l.agentLog(1)]).toEqual([
      '/data/clusters/dev/master', '/data/clusters/dev/logs/master.log', '/data/clusters/dev/agents/1', '/data/clusters/dev/logs/agent-1.log',
    ]);
  });

  it('builds daemon arguments with Mesos flag names', () => {
    expect(masterArgs({ port: 6050, workDir: '/w/m', cluster: 'dev' })).toEqual(['master', '--ip', '127.0.0.1', '--port', '6050', '--work_dir', '/w/m', '--cluster', 'dev']);
    expect(masterArgs({ port: 6050, workDir: '/w/m', cluster: 'dev', zk: 'zk://127.0.0.1:2181/mesos', masters: 3 })).toEqual([
      'master', '--ip', '127.0.0.1', '--port', '6050', '--work_dir', '/w/m', '--cluster', 'dev', '--zk', 'zk://127.0.0.1:2181/mesos', '--quorum', '2', '--zk_session_timeout', '2secs',
    ]);
    expect(agentArgs({ master: 'zk://127.0.0.1:2181/mesos', port: 6051, workDir: '/w/a', resources: 'cpus:1', cluster: 'dev' })[2]).toBe('zk://127.0.0.1:2181/mesos');
    expect(agentArgs({ master: '127.0.0.1:6050', port: 6051, workDir: '/w/a', resources: 'cpus:1', cluster: 'dev' })).toEqual([
      'agent', '--master', '127.0.0.1:6050', '--ip', '127.0.0.1', '--port', '6051', '--work_dir', '/w/a', '--resources', 'cpus:1',
      '--cgroups_root', 'mesoscloud-dev',
    ]);
  });

  it('asks for a majority of the masters as quorum', () => {
    expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3]);
  });

  it("gives a second cluster on the machine task ports of its own, below Linux's ephemeral range", () => {
    expect(chooseTaskPorts([])).toEqual(TASK_PORTS);
    expect(chooseTaskPorts([TASK_PORTS])).toEqual({ begin: 30000, end: 30999 });
    expect(chooseTaskPorts([TASK_PORTS, { begin: 30000, end: 30999 }])).toEqual({ begin: 29000, end: 29999 });
    expect(chooseTaskPorts([{ begin: 30500, end: 30600 }])).toEqual(TASK_PORTS);
    expect(chooseTaskPorts([{ begin: 20000, end: 32000 }])).toBeUndefined();
  });

  it("splits a cluster's own range between its agents", () => {
    const range = { begin: 30000, end: 30999 };
    expect([agentPortRange(0, 2, range), agentPortRange(1, 2, range)]).toEqual(['ports:[30000-30499]', 'ports:[30500-30999]']);
    expect(agentResources('cpus:1', 0, 1, range)).toBe('cpus:1;ports:[30000-30999]');
  });

  it('tells whether resource text names ports itself', () => {
    expect(namesPorts('cpus:1;ports:[1-2]')).toBe(true);
    expect(namesPorts('ports(dev):[1-2]')).toBe(true);
    expect(namesPorts('cpus:1;mem:64')).toBe(false);
  });

  it('fills in the spec as the schema would, without loading it', () => {
    const spec = localSpec({ name: 'dev', agents: 2, masterPort: 6050, agentResources: 'cpus:1' });
    expect(spec.master).toEqual(MasterSchema.parse({ port: 6050 }));
    expect(spec.agent).toEqual(AgentSchema.parse({ port: 6051, resources: 'cpus:1' }));
    expect(spec.zookeeper).toEqual(ZooKeeperSchema.parse({}));
  });
});
