import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterRegistry, defaultDataDir, RegistryError, type ClusterRecord } from '../../infra/registry';

describe('ClusterRegistry', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-')) });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const record: ClusterRecord = {
    name: 'dev', provider: 'local', masterUrl: 'http://127.0.0.1:6050', createdAt: '2024-01-01T00:00:00.000Z',
    master: { pid: 10, port: 6050, workDir: '/w/master', logPath: '/w/logs/master.log' },
    agents: [{ index: 0, pid: 11, port: 6051, workDir: '/w/agents/0', logPath: '/w/logs/agent-0.log', id: 'a-1' }],
  };

  it('writes <dataDir>/clusters/<name>/cluster.json and reads it back', () => {
    const registry = new ClusterRegistry(dir);
    registry.write(record);
    expect(fs.existsSync(path.join(dir, 'clusters', 'dev', 'cluster.json'))).toBe(true);
    expect(registry.read('dev')).toEqual(record);
    expect(registry.list()).toEqual(['dev']);
    registry.remove('dev');
    expect(registry.read('dev')).toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('refuses names that could escape the registry', () => {
    expect(() => new ClusterRegistry(dir).clusterDir('../etc')).toThrow(RegistryError);
  });

  it('explains a damaged record instead of crashing', () => {
    const registry = new ClusterRegistry(dir);
    fs.mkdirSync(path.join(dir, 'clusters', 'dev'), { recursive: true });
    fs.writeFileSync(registry.recordPath('dev'), '{"name":"dev","provider":"local","masterUrl":"x","master":{"pid":"1"}}');
    expect(() => registry.read('dev')).toThrow(/master\.pid' must be a number/);
    fs.writeFileSync(registry.recordPath('dev'), '{');
    expect(() => registry.read('dev')).toThrow(/not valid JSON/);
    fs.writeFileSync(registry.recordPath('dev'), JSON.stringify({ ...record, taskPorts: { begin: '1' } }));
    expect(() => registry.read('dev')).toThrow(/taskPorts' must be \{begin, end\} numbers/);
  });

  it("keeps a cluster's task port range", () => {
    const registry = new ClusterRegistry(dir);
    registry.write({ ...record, taskPorts: { begin: 30000, end: 30999 } });
    expect(registry.readLocal('dev')?.taskPorts).toEqual({ begin: 30000, end: 30999 });
  });

  it('follows oclif: MESOSCLOUD_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultDataDir({ MESOSCLOUD_DATA_DIR: '/d', XDG_DATA_HOME: '/x' })).toBe('/d');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' })).toBe('/x/mesoscloud');
    expect(defaultDataDir({})).toBe(path.join(os.homedir(), '.local', 'share', 'mesoscloud'));
  });
});
