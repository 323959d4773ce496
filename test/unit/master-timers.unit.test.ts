/**
 * The master's timeouts, on a clock the test moves: offers rescinded when --offer_timeout runs out,
 * agents unreachable after --max_agent_ping_timeouts missed pings, frameworks removed when their
 * failover timeout runs out.
 */
import { createMasterHarness, FakeClock, recordingStream, registerCall, type MasterHarness, type RecordingStream } from '../helpers/master-harness';

const SECOND = 1000;

function ofType(stream: RecordingStream, type: string): Record<string, any>[] {
  return stream.events.filter((e) => e.type === type);
}

describe('the fake clock', () => {
  test('fires timeouts and intervals in time order as it passes them, and not after they are cancelled', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    const every = clock.setInterval(() => fired.push(`i@${clock.now()}`), 15);
    clock.setTimeout(() => fired.push('never'), 25).cancel();
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'i@15', 'b@20', 'i@30']);
    expect(clock.now()).toBe(30);
    every.cancel();
    clock.advance(100);
    expect(fired).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });
});

describe('master timeouts on an injected clock', () => {
  let master: MasterHarness;
  afterEach(() => master.stop());

  test('an offer not answered within --offer_timeout is rescinded, and not a moment before', async () => {
    master = createMasterHarness({ offerTimeoutSeconds: 30 });
    const { core, clock } = master;
    master.register(registerCall(1, 0));
    const { stream } = master.subscribe({ name: 'slow' });
    await master.allocated();
    const offers = ofType(stream, 'OFFERS');
    expect(offers).toHaveLength(1);
    const offerId: string = offers[0].offers.offers[0].id.value;
    expect(core.offers.get(offerId)).toBeDefined();

    clock.advance(30 * SECOND - 1);
    expect(ofType(stream, 'RESCIND')).toEqual([]);
    expect(core.offers.get(offerId)).toBeDefined();

    clock.advance(1);
    expect(ofType(stream, 'RESCIND')).toEqual([{ type: 'RESCIND', rescind: { offer_id: { value: offerId } } }]);
    expect(core.offers.get(offerId)).toBeUndefined();
    // The resources went back to the allocator: they are offered again.
    await master.allocated();
    const again = ofType(stream, 'OFFERS');
    expect(again).toHaveLength(2);
    expect(again[1].offers.offers[0].id.value).not.toBe(offerId);
  });

  test('an agent that answers no ping is unreachable after --max_agent_ping_timeouts misses, and its tasks with it', async () => {
    master = createMasterHarness({ agentPingTimeoutSeconds: 10, maxAgentPingTimeouts: 3 });
    const { core, clock } = master;
    const agentStream = recordingStream();
    const agent = master.register(registerCall(1, 2), agentStream);

    // The first tick pings; each tick after it without a PONG is a miss.
    clock.advance(10 * SECOND);
    expect(ofType(agentStream, 'PING')).toHaveLength(1);
    clock.advance(3 * 10 * SECOND - 1);
    expect(agent.connection).toBe('connected');
    expect(agent.missedPings).toBe(2);

    clock.advance(1);
    expect(agent.connection).toBe('unreachable');
    expect(agent.unreachableTime).toBe(clock.now());
    for (const task of agent.tasks.values()) expect(task.state).toBe('TASK_UNREACHABLE');
    expect(core.records.agents.get(agent.id)).toBe(agent);
    // No more pings for an unreachable agent.
    const pings = ofType(agentStream, 'PING').length;
    clock.advance(100 * SECOND);
    expect(ofType(agentStream, 'PING')).toHaveLength(pings);
  });

  test('an agent that answers its pings stays connected however long it runs', () => {
    master = createMasterHarness({ agentPingTimeoutSeconds: 10, maxAgentPingTimeouts: 2 });
    const { core, clock } = master;
    const agentStream = recordingStream();
    const agent = master.register(registerCall(1, 0), agentStream);
    for (let tick = 0; tick < 50; tick++) {
      clock.advance(10 * SECOND);
      core.agents.onPong(agent);
    }
    expect(ofType(agentStream, 'PING')).toHaveLength(50);
    expect(agent.connection).toBe('connected');
    expect(agent.missedPings).toBe(0);
  });

  test('a framework that does not come back within its failover timeout is removed', () => {
    master = createMasterHarness();
    const { core, clock } = master;
    const { stream, frameworkId } = master.subscribe({ name: 'failing over', failover_timeout: 120 });
    expect(ofType(stream, 'HEARTBEAT')).toHaveLength(1);
    clock.advance(15 * SECOND);
    expect(ofType(stream, 'HEARTBEAT')).toHaveLength(2);

    stream.close();
    const framework = core.records.frameworks.get(frameworkId)!;
    expect(framework.connected).toBe(false);
    clock.advance(120 * SECOND - 1);
    expect(core.records.frameworks.get(frameworkId)).toBe(framework);

    clock.advance(1);
    expect(core.records.frameworks.has(frameworkId)).toBe(false);
    expect(core.records.isCompletedFramework(frameworkId)).toBe(true);
    expect(framework.unregisteredTime).toBe(clock.now());
    expect(clock.pending).toBe(0);
  });
});
