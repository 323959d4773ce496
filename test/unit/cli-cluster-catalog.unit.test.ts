import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterCatalog, defaultDataDir, CatalogError, type ClusterRecord } from '../../infra/cluster-catalog';

describe('ClusterCatalog', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-')) });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const record: ClusterRecord = {
    name: 'dev', provider: 'local', masterUrl: 'http://127.0.0.1:6050', createdAt: '2024-01-01T00:00:00.000Z',
    master: { pid: 10, port: 6050, workDir: '/w/master', logPath: '/w/logs/master.log' },
    agents: [{ index: 0, pid: 11, port: 6051, workDir: '/w/agents/0', logPath: '/w/logs/agent-0.log', id: 'a-1' }],
  };

  it('writes <dataDir>/clusters/<name>/cluster.json and reads it back', () => {
    const catalog = new ClusterCatalog(dir);
    catalog.write(record);
    expect(fs.existsSync(path.join(dir, 'clusters', 'dev', 'cluster.json'))).toBe(true);
    expect(catalog.read('dev')).toEqual(record);
    expect(catalog.list()).toEqual(['dev']);
    catalog.remove('dev');
    expect(catalog.read('dev')).toBeUndefined();
    expect(catalog.list()).toEqual([]);
  });

  it('refuses names that could escape the catalog', () => {
    expect(() => new ClusterCatalog(dir).clusterDir('../etc')).toThrow(CatalogError);
  });

  it('explains a damaged record instead of crashing', () => {
    const catalog = new ClusterCatalog(dir);
    fs.mkdirSync(path.join(dir, 'clusters', 'dev'), { recursive: true });
    fs.writeFileSync(catalog.recordPath('dev'), '{"name":"dev","provider":"local","masterUrl":"x","master":{"pid":"1"}}');
    expect(() => catalog.read('dev')).toThrow(/master\.pid' must be a number/);
    fs.writeFileSync(catalog.recordPath('dev'), '{');
    expect(() => catalog.read('dev')).toThrow(/not valid JSON/);
    fs.writeFileSync(catalog.recordPath('dev'), JSON.stringify({ ...record, taskPorts: { begin: '1' } }));
    expect(() => catalog.read('dev')).toThrow(/taskPorts' must be \{begin, end\} numbers/);
  });

  it("keeps a cluster's task port range", () => {
    const catalog = new ClusterCatalog(dir);
    catalog.write({ ...record, taskPorts: { begin: 30000, end: 30999 } });
    expect(catalog.readLocal('dev')?.taskPorts).toEqual({ begin: 30000, end: 30999 });
  });

  it('follows oclif: MESOSCLOUD_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultDataDir({ MESOSCLOUD_DATA_DIR: '/d', XDG_DATA_HOME: '/x' })).toBe('/d');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' })).toBe('/x/mesoscloud');
    expect(defaultDataDir({})).toBe(path.join(os.homedir(), '.local', 'share', 'mesoscloud'));
  });
});
