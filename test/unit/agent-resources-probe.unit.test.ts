import { agentResources } from '../../cluster/agent/resources-probe';
import { defaultDiskMb, defaultMemMb } from '../../cluster/protocol/host-defaults';

const host = { cpus: 8, memTotalMb: 16 * 1024, diskFreeMb: 100 * 1024 };

describe('resource detection', () => {
  it('leaves 1 GB of memory to the system, never going below 256 MB', () => {
    expect(defaultMemMb(16384)).toBe(15360);
    expect(defaultMemMb(1100)).toBe(256);
    expect(defaultMemMb(1024)).toBe(1024);
    expect(defaultMemMb(200)).toBe(200);
  });

  it('leaves 5 GB of disk free when there is more than 10 GB', () => {
    expect(defaultDiskMb(100 * 1024)).toBe(95 * 1024);
    expect(defaultDiskMb(8 * 1024)).toBe(8 * 1024);
  });

  it('detects everything and adds the default ports when no --resources is given', () => {
    const r = agentResources(undefined, host);
    expect(r.toLegacyJson()).toMatchObject({ cpus: 8, mem: 15360, disk: 95 * 1024, ports: '[31000-32000]' });
  });

  it('keeps what --resources names and detects the rest', () => {
    const r = agentResources('cpus:2;ports:[8000-8010]', host);
    expect(r.scalar('cpus')).toBe(2);
    expect(r.scalar('mem')).toBe(15360);
    expect(r.toLegacyJson().ports).toBe('[8000-8010]');
  });

  it('counts a reserved resource as named', () => {
    const r = agentResources('cpus(analytics):3', host);
    expect(r.scalar('cpus')).toBe(3);
    expect(r.reservedTo('analytics').scalar('cpus')).toBe(3);
  });

  it('reports a bad --resources string naming the flag', () => {
    expect(() => agentResources('cpus:two', host)).toThrow(/^--resources: /);
  });
});
