/**
 * The master's HTTP limits over real sockets: body size (413), connections per client address (503),
 * the request timeout (a trickled body is cut, a long-lived stream is not) and the idle timeout.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { createMaster, type Master } from '../../cluster/master';
import { silentLogger } from '../../cluster/util/log';
import { getJson, request } from '../helpers/http';
import { RawScheduler } from '../helpers/scheduler';

function rawConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => { text += c.toString('utf8') });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
}

describe('master HTTP limits', () => {
  let master: Master;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    master = createMaster({
      ip: '127.0.0.1', port: 0, logger: silentLogger, heartbeatIntervalSeconds: 0.5,
      maxBodyBytes: 64 * 1024, maxConnectionsPerClient: 20, requestTimeoutMs: 1500, headersTimeoutMs: 1000, idleTimeoutMs: 1500,
    });
    await master.listen();
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await master.close();
  });

  test('a body over the limit is answered 413 naming the limit, also when announced by Content-Length', async () => {
    const big = { type: 'GET_HEALTH', padding: 'x'.repeat(100 * 1024) };
    const res = await request(`${master.url}/api/v1`, { body: big });
    expect(res.status).toBe(413);
    expect(res.text).toContain('65536 bytes');
    expect((await request(`${master.url}/api/v1`, { body: { type: 'GET_HEALTH' } })).status).toBe(200);
  });

  test('a chunked body (no Content-Length) over the limit is answered 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${master.url}/api/v1`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"type":"GET_HEALTH","padding":"${'x'.repeat(40 * 1024)}`);
      req.write('x'.repeat(40 * 1024));
      setTimeout(() => req.end('"}'), 200);
    });
    expect(status).toBe(413);
  });

  test('connections beyond the per-client cap are answered 503; the master still answers after they close', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => rawConnection(master.port)));
    sockets.push(...held);
    const extra = await rawConnection(master.port);
    const answer = await readAll(extra);
    expect(answer).toMatch(/^HTTP\/1.1 503/);
    expect(answer).toContain('max_connections_per_client');
    // One that sends its request at once gets the 503 and nothing else: the request is never handled.
    const eager = await rawConnection(master.port);
    eager.write('POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"type":"GET_STATE"}');
    const eagerAnswer = await readAll(eager);
    expect(eagerAnswer).toMatch(/^HTTP\/1.1 503/);
    expect(eagerAnswer.match(/HTTP\/1.1/g)).toHaveLength(1);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await request(`${master.url}/health`)).status).toBe(200);
  });

  test('a body trickled slower than the request timeout is cut; the master answers meanwhile', async () => {
    const socket = await rawConnection(master.port);
    sockets.push(socket);
    const closed = readAll(socket);
    socket.write('POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    expect((await request(`${master.url}/health`)).status).toBe(200);
    const answer = await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });

  test('a connection that never sends a request is closed after the idle timeout', async () => {
    const socket = await rawConnection(master.port);
    sockets.push(socket);
    // The master hangs up by itself (the test's own timeout bounds the wait): silently when the idle
    // timeout fires first, with a 408 when the headers timeout (which node checks on an interval) does.
    expect(await readAll(socket)).toMatch(/^(HTTP\/1\.1 408 Request Timeout\r\n[^]*)?$/);
  });

  test('a long-lived stream outlives the request timeout', async () => {
    const scheduler = await RawScheduler.subscribe(master.url);
    try {
      await new Promise((r) => setTimeout(r, 4000));
      expect(scheduler.stream.ended).toBe(false);
      const from = scheduler.stream.records.length;
      await scheduler.stream.waitFor((e: any) => e.type === 'HEARTBEAT', 'a heartbeat', { from });
      const state = await getJson(`${master.url}/state`);
      expect(state.frameworks.map((f: any) => f.active)).toEqual([true]);
    } finally {
      scheduler.close();
    }
  });

  test('the limits set are in /flags; those left at their default are not', async () => {
    const flags = (await getJson(`${master.url}/flags`)).flags;
    expect(flags).toMatchObject({ max_request_body_size: '65536', max_connections_per_client: '20', http_request_timeout: '1.5secs' });
    expect(flags).not.toHaveProperty('max_stream_backlog_size');
  });

  test('no keep-alive surprise: a plain client gets its answer', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`${master.url}/health`, (res) => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject);
    });
    expect(status).toBe(200);
  });
});
