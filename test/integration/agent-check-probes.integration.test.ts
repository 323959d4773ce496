/**
 * The probes a task's checks run every interval for as long as the task lives: one task's probes share
 * one abort signal, so a probe must leave nothing behind on it (a listener per probe would grow without
 * bound), and an abort must end a probe that is still waiting.
 */
import { getEventListeners } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { probeHttp, probeTcp } from '../../cluster/agent/checks/probes';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test.each([
  ['TCP', () => probeTcp({ port, timeoutMs: 5000, signal: controller.signal })],
  ['HTTP', () => probeHttp({ port, timeoutMs: 5000, signal: controller.signal })],
])('%s probes leave no abort listener behind on the task\'s signal', async (_kind, probe) => {
  controller = new AbortController();
  for (let i = 0; i < 25; i++) await probe();
  // Closing sockets may release their listener a tick after the probe resolves.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
});

let controller = new AbortController();

test('an abort ends a TCP probe still waiting for its connection', async () => {
  // Aborted before the connection can complete (that takes at least a turn of the event loop).
  controller = new AbortController();
  const pending = probeTcp({ port, timeoutMs: 60_000, signal: controller.signal });
  controller.abort();
  expect(await pending).toEqual({ connected: false, error: 'aborted', gaveUp: true });
  expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
});

test('a refused TCP connection is an answer (a check result of succeeded: false); only no answer gives up', async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await probeTcp({ port: closedPort, timeoutMs: 5000 });
  expect(refused.connected).toBe(false);
  expect(refused.error).toMatch(/ECONNREFUSED/);
  expect(refused.gaveUp).toBeUndefined();
});
