/**
 * What the master does as time passes, over real HTTP but with a clock the test moves by hand:
 * a logging level set for a while goes back when the while is over (GET/SET_LOGGING_LEVEL and
 * /logging/toggle), and the operator event stream's first HEARTBEAT goes one interval after
 * SUBSCRIBED, then one per interval, as Mesos's operator subscribers get them.
 */
import { createMaster, type Master } from '../../cluster/master';
import type { OperatorEvent } from '../../cluster/protocol/operator';
import { createLogger, type Logger } from '../../cluster/util/log';
import { FakeClock } from '../helpers/master-harness';
import { request, RecordStream } from '../helpers/http';
import { frameworkInfo, RawScheduler } from '../helpers/scheduler';

const SECOND = 1000;

describe('master with a fake clock', () => {
  let master: Master;
  let clock: FakeClock;
  let logger: Logger;
  const lines: string[] = [];
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    clock = new FakeClock();
    lines.length = 0;
    logger = createLogger('test', { level: 'info', write: (line) => lines.push(line) });
    master = createMaster({ ip: '127.0.0.1', port: 0, logger, clock, heartbeatIntervalSeconds: 15 });
    await master.listen();
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await master.close();
  });

  const call = async (body: unknown, status = 200) => {
    const res = await request(`${master.url}/api/v1`, { body });
    expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
    return res.text && status === 200 ? JSON.parse(res.text) : res.text;
  };
  const level = async () => (await call({ type: 'GET_LOGGING_LEVEL' })).get_logging_level.level;
  const toggle = (query: string) => request(`${master.url}/logging/toggle${query}`);

  test('SET_LOGGING_LEVEL turns debug on for the duration, then the level goes back', async () => {
    expect(await call({ type: 'GET_LOGGING_LEVEL' })).toEqual({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } });

    await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 60 * SECOND * 1e6 } } });

    expect(await level()).toBe(1);
    expect(logger.threshold.level).toBe('debug');
    logger.child('probe').debug('written while debug is on');
    expect(lines.some((l) => l.includes('written while debug is on'))).toBe(true);

    clock.advance(60 * SECOND - 1);
    expect(await level()).toBe(1);
    clock.advance(1);
    expect(await level()).toBe(0);
    logger.debug('dropped once the level is back');
    expect(lines.some((l) => l.includes('dropped once the level is back'))).toBe(false);
  });

  test('a later SET replaces the pending revert; setting 0 ends it at once', async () => {
    await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 10 * SECOND * 1e6 } } });
    clock.advance(5 * SECOND);
    await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 10 * SECOND * 1e6 } } });
    clock.advance(5 * SECOND);
    expect(await level()).toBe(1);
    clock.advance(5 * SECOND);
    expect(await level()).toBe(0);

    await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 3, duration: { nanoseconds: 10 * SECOND * 1e6 } } });
    await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 0, duration: { nanoseconds: 0 } } });
    expect(await level()).toBe(0);
  });

  test('SET_LOGGING_LEVEL with a bad level or duration is a 400 naming the field', async () => {
    expect(await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: -1, duration: { nanoseconds: 1 } } }, 400))
      .toMatch(/'set_logging_level\.level'.*got -1/);
    expect(await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: -5 } } }, 400))
      .toMatch(/'set_logging_level\.duration\.nanoseconds'.*must not be negative/);
    expect(await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1 } }, 400)).toMatch(/'set_logging_level\.duration'/);
    expect(await call({ type: 'SET_LOGGING_LEVEL' }, 400)).toMatch(/'set_logging_level'/);
    expect(await level()).toBe(0);
  });

  test('/logging/toggle answers with the level, sets it for the duration, and refuses what Mesos refuses', async () => {
    expect(await toggle('')).toMatchObject({ status: 200, text: '0\n' });
    expect(await toggle('?level=1')).toMatchObject({ status: 400, text: "Expecting 'duration=value' in query.\n" });
    expect(await toggle('?duration=10secs')).toMatchObject({ status: 400, text: "Expecting 'level=value' in query.\n" });
    expect(await toggle('?level=-1&duration=10secs')).toMatchObject({ status: 400, text: "Invalid level '-1'.\n" });
    expect((await toggle('?level=one&duration=10secs')).text).toMatch(/'level' must be an integer verbosity.*got 'one'/);
    expect((await toggle('?level=1&duration=soon')).text).toMatch(/'duration': invalid duration 'soon'/);

    expect((await toggle('?level=3&duration=2mins')).status).toBe(200);

    expect(await toggle('')).toMatchObject({ status: 200, text: '1\n' });
    clock.advance(2 * 60 * SECOND);
    expect(await toggle('')).toMatchObject({ status: 200, text: '0\n' });
  });

  test('the operator stream sends its first HEARTBEAT one interval after SUBSCRIBED, then one per interval', async () => {
    const stream = await new RecordStream<OperatorEvent>(`${master.url}/api/v1`, { type: 'SUBSCRIBE' }).response();
    closers.push(() => stream.close());
    await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');

    clock.advance(15 * SECOND - 1);
    // Something that is sent at once, to know that nothing went before it.
    const scheduler = await RawScheduler.subscribe(master.url, frameworkInfo());
    closers.push(() => scheduler.close());
    await stream.waitFor((e) => e.type === 'FRAMEWORK_ADDED', 'FRAMEWORK_ADDED');
    clock.advance(1);
    await stream.waitFor((e) => e.type === 'HEARTBEAT', 'the first HEARTBEAT');
    expect(stream.records.map((e) => e.type)).toEqual(['SUBSCRIBED', 'FRAMEWORK_ADDED', 'HEARTBEAT']);

    // A second subscriber keeps its own beat: its first HEARTBEAT is one interval after it subscribed.
    clock.advance(5 * SECOND);
    const late = await new RecordStream<OperatorEvent>(`${master.url}/api/v1`, { type: 'SUBSCRIBE' }).response();
    closers.push(() => late.close());
    await late.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    clock.advance(10 * SECOND);
    await stream.waitFor((e) => e.type === 'HEARTBEAT', 'the second HEARTBEAT', { from: 3 });
    clock.advance(5 * SECOND);
    await late.waitFor((e) => e.type === 'HEARTBEAT', 'the late subscriber\'s first HEARTBEAT');
    // Again something sent at once to both, after which each stream holds all it was sent.
    const another = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'another' }));
    closers.push(() => another.close());
    await late.waitFor((e) => e.type === 'FRAMEWORK_ADDED', 'FRAMEWORK_ADDED on the late stream');
    await stream.waitFor((e) => e.type === 'FRAMEWORK_ADDED', 'the second FRAMEWORK_ADDED', { from: 2 });
    expect(stream.records.map((e) => e.type)).toEqual(['SUBSCRIBED', 'FRAMEWORK_ADDED', 'HEARTBEAT', 'HEARTBEAT', 'FRAMEWORK_ADDED']);
    expect(late.records.map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT', 'FRAMEWORK_ADDED']);
  });
});
