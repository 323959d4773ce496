import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeCgroupRoot } from '../../infra/providers/cgroup-roots';

// A scratch directory stands in for /sys/fs/cgroup: plain directories behave like empty cgroups for rmdir.
describe('removing a local cluster cgroup root', () => {
  let mount: string;
  beforeEach(() => { mount = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup-roots-')) });
  afterEach(() => fs.rmSync(mount, { recursive: true, force: true }));

  it('removes the root from every v1 hierarchy and the v2 mount, leftover container cgroups first', () => {
    for (const dir of ['memory/mesoscloud-dev/c1', 'cpu/mesoscloud-dev', 'mesoscloud-dev', 'memory/mesoscloud-prod']) {
      fs.mkdirSync(path.join(mount, dir), { recursive: true });
    }
    const removed = removeCgroupRoot('mesoscloud-dev', mount).sort();
    expect(removed).toEqual(['cpu/mesoscloud-dev', 'memory/mesoscloud-dev', 'mesoscloud-dev'].map((d) => path.join(mount, d)));
    expect(fs.existsSync(path.join(mount, 'memory/mesoscloud-prod'))).toBe(true);
  });

  it('leaves a root that still holds files (a cgroup with processes cannot go either) and says nothing removed', () => {
    fs.mkdirSync(path.join(mount, 'memory/mesoscloud-dev/c1'), { recursive: true });
    fs.writeFileSync(path.join(mount, 'memory/mesoscloud-dev/c1/cgroup.procs'), '123\n');
    expect(removeCgroupRoot('mesoscloud-dev', mount)).toEqual([]);
    expect(fs.existsSync(path.join(mount, 'memory/mesoscloud-dev/c1'))).toBe(true);
  });

  it('is harmless when the root does not exist', () => {
    expect(removeCgroupRoot('mesoscloud-none', mount)).toEqual([]);
  });
});
