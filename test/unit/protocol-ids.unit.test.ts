import { IdGenerator, ipToUint32LE, isStatusUuid, newContainerId, newMasterId, newStatusUuid, uint32LEToIp } from '../../cluster/protocol/ids';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  it('issues framework, agent and offer ids under the master id, as Mesos does', () => {
    const ids = new IdGenerator('6a1f2b3c-0000-4000-8000-000000000001');
    expect(ids.nextFrameworkId()).toBe('6a1f2b3c-0000-4000-8000-000000000001-0000');
    expect(ids.nextFrameworkId()).toBe('6a1f2b3c-0000-4000-8000-000000000001-0001');
    expect(ids.nextAgentId()).toBe('6a1f2b3c-0000-4000-8000-000000000001-S0');
    expect(ids.nextAgentId()).toBe('6a1f2b3c-0000-4000-8000-000000000001-S1');
    expect(ids.nextOfferId()).toBe('6a1f2b3c-0000-4000-8000-000000000001-O0');
  });

  it('makes master and container ids as v4 UUIDs', () => {
    expect(newMasterId()).toMatch(UUID_V4);
    expect(newContainerId()).toMatch(UUID_V4);
    expect(new IdGenerator().masterId).toMatch(UUID_V4);
    expect(newMasterId()).not.toBe(newMasterId());
  });

  it('makes status uuids as base64 of 16 bytes', () => {
    const uuid = newStatusUuid();
    expect(Buffer.from(uuid, 'base64')).toHaveLength(16);
    expect(isStatusUuid(uuid)).toBe(true);
    expect(isStatusUuid('abc')).toBe(false);
    expect(isStatusUuid(Buffer.alloc(17).toString('base64'))).toBe(false);
    expect(isStatusUuid('!'.repeat(22) + '==')).toBe(false);
  });

  it('writes MasterInfo.ip as Mesos does', () => {
    expect(ipToUint32LE('127.0.0.1')).toBe(16777343);
    expect(ipToUint32LE('10.0.0.5')).toBe(0x0500000a);
    expect(ipToUint32LE('255.255.255.255')).toBe(0xffffffff);
    expect(uint32LEToIp(16777343)).toBe('127.0.0.1');
    expect(() => ipToUint32LE('256.0.0.1')).toThrow("invalid IPv4 address '256.0.0.1'");
    expect(() => ipToUint32LE('localhost')).toThrow(/expected four numbers 0-255/);
  });
});
