import fc from 'fast-check';
import { Resources } from '../../cluster/protocol/resources';
import { agentResources } from '../../infra/providers/local-layout';
import { cpuFloorNote, reservedMemMb, shareMachine, type MachineCapacity } from '../../infra/providers/local-share';

const machines = fc.record({
  cpus: fc.integer({ min: 1, max: 256 }),
  memTotalMb: fc.integer({ min: 64, max: 4 * 1024 * 1024 }),
  diskFreeMb: fc.integer({ min: 0, max: 64 * 1024 * 1024 }),
});
const agentCounts = fc.integer({ min: 1, max: 64 });

describe('splitting the machine between local agents', () => {
  it('never hands out more memory or disk than the machine has, and keeps room for the master and the system', () => {
    fc.assert(fc.property(machines, agentCounts, (machine, n) => {
      const share = shareMachine(machine, n);
      expect(share.memMb * n).toBeLessThanOrEqual(machine.memTotalMb);
      expect(share.diskMb * n).toBeLessThanOrEqual(machine.diskFreeMb);
      if (machine.memTotalMb > 2 * reservedMemMb(machine.memTotalMb)) expect(share.memMb * n).toBeLessThanOrEqual(machine.memTotalMb - reservedMemMb(machine.memTotalMb));
      expect(Number.isInteger(share.memMb) && Number.isInteger(share.diskMb)).toBe(true);
    }));
  });

  it('gives every agent at least one cpu, and no more than its part of the machine unless that floor applies', () => {
    fc.assert(fc.property(machines, agentCounts, (machine, n) => {
      const share = shareMachine(machine, n);
      expect(share.cpus).toBeGreaterThanOrEqual(1);
      expect(share.cpuFloor).toBe(machine.cpus / n < 1);
      if (!share.cpuFloor) expect(share.cpus * n).toBeLessThanOrEqual(machine.cpus + 1e-9);
    }));
  });

  it('gives every agent the same resources, whatever the operator named', () => {
    fc.assert(fc.property(machines, agentCounts, fc.constantFrom(undefined, 'cpus:2', 'mem:512;disk:100', 'cpus(ops):1;gpus:1'), (machine, n, requested) => {
      const share = shareMachine(machine, n);
      const scalars = Array.from({ length: n }, (_, i) => {
        const r = Resources.parse(agentResources(requested, i, n, undefined, share));
        return ['cpus', 'mem', 'disk', 'gpus'].map((name) => r.scalar(name));
      });
      for (const s of scalars) expect(s).toEqual(scalars[0]);
    }));
  });

  it('lets --agent-resources set what it names, and splits the rest', () => {
    const machine: MachineCapacity = { cpus: 2, memTotalMb: 24_105, diskFreeMb: 80_000 };
    const share = shareMachine(machine, 5);
    // 24,105 MB less a tenth (2,411 MB, more than 1 GiB) over 5 agents; 80,000 MB less 5 GiB over 5.
    expect(share).toEqual({ cpus: 1, memMb: 4338, diskMb: 14_976, cpuFloor: true });
    expect(agentResources(undefined, 0, 5, undefined, share)).toBe('cpus:1;mem:4338;disk:14976;ports:[31000-31199]');
    expect(agentResources('cpus:2;mem:2048', 0, 5, undefined, share)).toBe('cpus:2;mem:2048;disk:14976;ports:[31000-31199]');
    // A reservation names the resource too: the operator decided how many cpus this agent has.
    expect(agentResources('cpus(ops):1', 4, 5, undefined, share)).toBe('cpus(ops):1;mem:4338;disk:14976;ports:[31800-32000]');
    expect(agentResources('[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]', 0, 5, undefined, share)).toBe('[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]');
  });

  it('says why five agents on two cores offer five cpus, and says nothing when each gets its part', () => {
    const machine: MachineCapacity = { cpus: 2, memTotalMb: 8192, diskFreeMb: 1000 };
    expect(cpuFloorNote(5, 2, shareMachine(machine, 5))).toBe('5 agents share 2 CPUs: each advertises 1 (at least one CPU each so a one-CPU task fits)');
    expect(cpuFloorNote(2, 2, shareMachine(machine, 2))).toBeUndefined();
    expect(shareMachine({ ...machine, cpus: 8 }, 3).cpus).toBe(2.666);
  });

  it('refuses an agent count that is not a whole number of at least 1', () => {
    expect(() => shareMachine({ cpus: 2, memTotalMb: 1024, diskFreeMb: 0 }, 0)).toThrow('agent count must be a whole number of at least 1, got 0');
  });
});
