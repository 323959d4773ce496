/**
 * Content negotiation of the v1 APIs as Mesos does it (docs/operator-http-api.md, src/master/http.cpp),
 * and the message descriptor the daemons load being the one the .proto files give.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { accepts, requestEncoding, responseMedia, v1Route, v1Stream } from '../../cluster/http/v1-media';
import { V1_MESSAGES } from '../../cluster/protocol/wire-codec';

const statusOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { status?: number }).status;
  }
};

describe('Accept ranges', () => {
  test.each([
    [undefined, 'application/json', true],
    ['', 'application/x-protobuf', true],
    ['application/json', 'application/json', true],
    ['*/*', 'application/x-protobuf', true],
    ['text/html, application/*;q=0.5', 'application/json', true],
    ['application/x-protobuf', 'application/json', false],
    ['application/json;q=0', 'application/json', false],
    ['text/html', 'application/recordio', false],
  ])('%j allows %s: %s', (header, type, expected) => {
    expect(accepts(header, type)).toBe(expected);
  });
});

describe('what a call is and how it is answered', () => {
  test('the body: JSON or protobuf by Content-Type (parameters ignored), 415 for anything else or nothing', () => {
    expect(requestEncoding({ 'content-type': 'application/json; charset=utf-8' })).toBe('json');
    expect(requestEncoding({ 'content-type': 'application/x-protobuf' })).toBe('protobuf');
    expect(statusOf(() => requestEncoding({ 'content-type': 'text/plain' }))).toBe(415);
    expect(statusOf(() => requestEncoding({}))).toBe(415);
  });

  test('the answer: JSON first, then protobuf, then RecordIO with Message-Accept (JSON when it is absent)', () => {
    expect(responseMedia({})).toEqual({ encoding: 'json', recordio: false });
    expect(responseMedia({ accept: 'application/x-protobuf, application/json' })).toEqual({ encoding: 'json', recordio: false });
    expect(responseMedia({ accept: 'application/x-protobuf' })).toEqual({ encoding: 'protobuf', recordio: false });
    expect(responseMedia({ accept: 'application/recordio' })).toEqual({ encoding: 'json', recordio: true });
    expect(responseMedia({ accept: 'application/recordio', 'message-accept': 'application/x-protobuf' })).toEqual({ encoding: 'protobuf', recordio: true });
    expect(statusOf(() => responseMedia({ accept: 'application/recordio', 'message-accept': 'text/plain' }))).toBe(406);
    expect(statusOf(() => responseMedia({ accept: 'text/html' }))).toBe(406);
  });

  test('a stream says how its records are encoded', () => {
    expect(v1Stream({ accept: 'application/recordio', 'message-accept': 'application/x-protobuf' }, V1_MESSAGES.masterEvent).headers)
      .toEqual({ 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/x-protobuf' });
    const json = v1Stream({}, V1_MESSAGES.schedulerEvent);
    expect(json.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(json.record({ type: 'HEARTBEAT' }).toString()).toBe('20\n{"type":"HEARTBEAT"}');
    // Event { type = 1: HEARTBEAT (8) }, framed.
    expect([...v1Stream({ accept: 'application/x-protobuf' }, V1_MESSAGES.schedulerEvent).record({ type: 'HEARTBEAT' })]).toEqual([0x32, 0x0a, 0x08, 0x08]);
  });

  test('a route without a published definition (the internal agent channel) refuses protobuf from the headers', () => {
    expect(statusOf(() => v1Route().checkHeaders({ 'content-type': 'application/x-protobuf' }))).toBe(415);
    expect(statusOf(() => v1Route(V1_MESSAGES.masterCall).checkHeaders({ 'content-type': 'application/x-protobuf' }))).toBeUndefined();
  });

  test('a JSON body is read as Mesos reads it, a protobuf one decoded, both into the same object', () => {
    const route = v1Route(V1_MESSAGES.masterCall);
    const fromJson = route.parseBody(Buffer.from('{"type":"GET_METRICS","get_metrics":{"timeout":null},"extra":null}'), { 'content-type': 'application/json' });
    expect(fromJson).toEqual({ type: 'GET_METRICS', get_metrics: {} });
    // Call { type = 1: GET_METRICS (4); get_metrics = 2 {} }
    expect(route.parseBody(Buffer.from([0x08, 0x04, 0x12, 0x00]), { 'content-type': 'application/x-protobuf' })).toEqual(fromJson);
    expect(statusOf(() => route.parseBody(Buffer.from([0x12, 0x05]), { 'content-type': 'application/x-protobuf' }))).toBe(400);
  });
});

test('proto/mesos-v1.json is what the .proto files beside it give (npm run proto rewrites it)', () => {
  const script = path.resolve(__dirname, '..', '..', 'scripts', 'build-proto.js');
  expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
});
