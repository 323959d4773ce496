import { agentBaseUrl, MasterAddressError, parseMasterAddress } from '../../cluster/client/address';

describe('parseMasterAddress', () => {
  it('accepts host:port and URLs, and defaults the port to 5050', () => {
    expect(parseMasterAddress('127.0.0.1:5050').baseUrl).toBe('http://127.0.0.1:5050');
    expect(parseMasterAddress('http://10.0.0.5:6060/').baseUrl).toBe('http://10.0.0.5:6060');
    expect(parseMasterAddress('master.example').baseUrl).toBe('http://master.example:5050');
    expect(parseMasterAddress(' localhost:7000 ')).toMatchObject({ host: 'localhost', port: 7000, protocol: 'http:' });
  });

  it('refuses ZooKeeper URLs with a message that says they are not supported yet', () => {
    expect(() => parseMasterAddress('zk://10.0.0.1:2181/mesos')).toThrow(MasterAddressError);
    expect(() => parseMasterAddress('zk://10.0.0.1:2181/mesos')).toThrow(/not supported yet.*zk:\/\/10\.0\.0\.1:2181\/mesos/);
  });

  it('names what it received when the address is unusable', () => {
    expect(() => parseMasterAddress('')).toThrow(/empty/);
    expect(() => parseMasterAddress('ftp://host:21')).toThrow(/unsupported scheme 'ftp:'.*allowed: http, https/);
    expect(() => parseMasterAddress('http://host:notaport')).toThrow(/host:notaport/);
  });
});

describe('agentBaseUrl', () => {
  it('reads Mesos pids, plain host:port, and falls back to hostname and port', () => {
    expect(agentBaseUrl('slave(1)@10.0.0.7:5051')).toBe('http://10.0.0.7:5051');
    expect(agentBaseUrl('127.0.0.1:5052')).toBe('http://127.0.0.1:5052');
    expect(agentBaseUrl(undefined, 'node-1', 5051)).toBe('http://node-1:5051');
    expect(agentBaseUrl(undefined)).toBeUndefined();
  });
});
