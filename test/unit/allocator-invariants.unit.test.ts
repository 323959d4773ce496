/**
 * Property tests of the allocator's invariants over arbitrary sequences of operations, checked
 * against a ledger of what the test (playing the master) holds: every offer made and not yet
 * recovered, and every resource marked used. Then offer constraints: random agents, attributes and
 * constraints, checked against an oracle written from scheduler.proto's comments.
 */
import fc from 'fast-check';
import { compileOfferConstraints, createAllocator } from '../../cluster/allocator';
import type { Allocator } from '../../cluster/allocator';
import { parseAttributes } from '../../cluster/protocol/attributes';
import { Resources } from '../../cluster/protocol/resources';
import type { AttributeConstraint, OfferConstraints } from '../../cluster/protocol/types';
import { applyOperation, type ResourceOperation } from '../../cluster/protocol/resource-operations';

const r = (text: string) => Resources.parse(text);

const AGENT_TOTALS: Record<string, string> = {
  a0: 'cpus:4;mem:1024;ports:[31000-31009]',
  a1: 'cpus(r1):2;mem(r1):256;cpus:2;mem:768;ports:[31000-31009]',
  a2: 'cpus:2;mem:512;disk:100;gpus:1',
};
const FRAMEWORK_ROLES: Record<string, string[]> = { f0: ['r1'], f1: ['r1'], f2: ['r2'], f3: ['r1', 'r2'] };
const AGENTS = Object.keys(AGENT_TOTALS);
const FRAMEWORKS = Object.keys(FRAMEWORK_ROLES);
const PIECES = ['cpus:1', 'mem:128', 'ports:[31000-31004]', 'cpus(r1):1', 'cpus:1;mem:64'];

type Op =
  | { kind: 'allocate'; advance: number }
  | { kind: 'recover'; item: number; piece: number | 'all'; refuse: number }
  | { kind: 'declineAll'; refuse: number }
  | { kind: 'addUsed'; agent: string; framework: string; piece: number }
  | { kind: 'toggleAgent' | 'removeAgent' | 'growAgent'; agent: string }
  | { kind: 'toggleFramework' | 'removeFramework' | 'suppress' | 'revive'; framework: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('allocate' as const), advance: fc.integer({ min: 0, max: 3000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('recover' as const),
      item: fc.nat(20),
      piece: fc.oneof(fc.constant('all' as const), fc.nat(PIECES.length - 1)),
      refuse: fc.constantFrom(0, 1, 5, 60),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('declineAll' as const), refuse: fc.constantFrom(0, 1, 5, 60) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('addUsed' as const),
      agent: fc.constantFrom(...AGENTS),
      framework: fc.constantFrom(...FRAMEWORKS),
      piece: fc.nat(PIECES.length - 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('toggleAgent' as const, 'removeAgent' as const, 'growAgent' as const), agent: fc.constantFrom(...AGENTS) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('toggleFramework' as const, 'removeFramework' as const, 'suppress' as const, 'revive' as const),
      framework: fc.constantFrom(...FRAMEWORKS),
    }),
  },
);

interface Held {
  framework: string;
  agent: string;
  role: string;
  resources: Resources;
  offered: boolean;
  /** Marked used while its framework was not added (a task found on an agent before its framework came back). */
  parked?: boolean;
}
interface Filter { framework: string; agent: string; roles: string[]; resources: Resources; until: number }

class Master {
  readonly allocator: Allocator;
  now = 0;
  held: Held[] = [];
  filters: Filter[] = [];
  totals = new Map<string, Resources>();
  agentActive = new Map<string, boolean>();
  frameworkActive = new Map<string, boolean>();
  suppressed = new Map<string, Set<string>>();

  constructor(seed: number) {
    this.allocator = createAllocator({ seed });
    AGENTS.forEach((a) => this.addAgent(a));
    FRAMEWORKS.forEach((f) => this.addFramework(f));
  }

  addAgent(id: string): void {
    this.totals.set(id, r(AGENT_TOTALS[id]));
    this.agentActive.set(id, true);
    this.allocator.addAgent({ id, hostname: id, total: this.totals.get(id)! });
  }

  addFramework(id: string): void {
    this.frameworkActive.set(id, true);
    this.suppressed.set(id, new Set());
    // Like a master after failover: the framework comes back with the tasks it already runs.
    const used = new Map<string, Resources>();
    for (const h of this.held.filter((x) => x.framework === id && x.parked)) {
      used.set(h.agent, (used.get(h.agent) ?? Resources.empty()).plus(h.resources));
      h.parked = false;
    }
    this.allocator.addFramework({ id, roles: FRAMEWORK_ROLES[id], used });
  }

  apply(op: Op): void {
    const a = this.allocator;
    switch (op.kind) {
      case 'allocate': {
        this.now += op.advance;
        this.checkOffers(a.allocate(this.now));
        this.checkNothingLeftForTheWilling();
        break;
      }
      case 'recover': {
        const item = this.held[op.item % Math.max(1, this.held.length)];
        if (!item) break;
        const part = op.piece === 'all' ? item.resources : r(PIECES[op.piece]);
        if (!item.resources.contains(part)) break;
        this.recover(item, part, op.refuse);
        break;
      }
      case 'declineAll': {
        // Every framework declines every outstanding offer, as in Mesos's DeclineOffers benchmark.
        for (const item of this.held.filter((h) => h.offered)) this.recover(item, item.resources, op.refuse);
        break;
      }
      case 'addUsed': {
        const piece = r(PIECES[op.piece]);
        if (!this.totals.has(op.agent) || !a.available(op.agent).contains(piece)) break;
        a.addUsed(op.framework, op.agent, piece);
        const roles = FRAMEWORK_ROLES[op.framework];
        const role = roles.find((x) => !piece.reservedTo(x).isEmpty()) ?? roles[0];
        const parked = !this.frameworkActive.has(op.framework);
        this.held.push({ framework: op.framework, agent: op.agent, role, resources: piece, offered: false, parked });
        break;
      }
      case 'toggleAgent': {
        if (!this.totals.has(op.agent)) break;
        const active = !this.agentActive.get(op.agent);
        this.agentActive.set(op.agent, active);
        if (active) a.activateAgent(op.agent);
        else a.deactivateAgent(op.agent);
        break;
      }
      case 'removeAgent': {
        if (this.totals.has(op.agent)) {
          a.removeAgent(op.agent);
          this.totals.delete(op.agent);
          this.held = this.held.filter((h) => h.agent !== op.agent);
          this.filters = this.filters.filter((f) => f.agent !== op.agent);
        } else {
          this.addAgent(op.agent);
        }
        break;
      }
      case 'growAgent': {
        const total = this.totals.get(op.agent);
        if (!total) break;
        this.totals.set(op.agent, total.plus(r('cpus:1')));
        a.updateAgentTotal(op.agent, this.totals.get(op.agent)!);
        break;
      }
      case 'toggleFramework': {
        if (!this.frameworkActive.has(op.framework)) break;
        const active = !this.frameworkActive.get(op.framework);
        this.frameworkActive.set(op.framework, active);
        if (active) a.activateFramework(op.framework);
        else a.deactivateFramework(op.framework);
        break;
      }
      case 'removeFramework': {
        if (this.frameworkActive.has(op.framework)) {
          a.removeFramework(op.framework);
          this.frameworkActive.delete(op.framework);
          this.held = this.held.filter((h) => h.framework !== op.framework);
          this.filters = this.filters.filter((f) => f.framework !== op.framework);
        } else {
          this.addFramework(op.framework);
        }
        break;
      }
      case 'suppress':
      case 'revive': {
        if (!this.frameworkActive.has(op.framework)) break;
        const roles = FRAMEWORK_ROLES[op.framework];
        if (op.kind === 'suppress') {
          a.suppress(op.framework);
          roles.forEach((x) => this.suppressed.get(op.framework)!.add(x));
        } else {
          a.revive(op.framework);
          this.suppressed.get(op.framework)!.clear();
          this.filters = this.filters.filter((f) => f.framework !== op.framework);
        }
        break;
      }
    }
    this.checkLedger();
  }

  private recover(item: Held, part: Resources, refuse: number): void {
    this.allocator.recoverResources(item.framework, item.agent, part, this.now, refuse);
    item.resources = item.resources.minus(part);
    this.held = this.held.filter((h) => !h.resources.isEmpty());
    if (refuse > 0) {
      // Which of a multi-role framework's roles unreserved resources return to (and so which
      // role the filter is for) is the allocator's choice: the model allows either.
      const roles = FRAMEWORK_ROLES[item.framework].length === 1 ? [item.role] : FRAMEWORK_ROLES[item.framework];
      this.filters.push({ framework: item.framework, agent: item.agent, roles, resources: part, until: this.now + refuse * 1000 });
    }
  }

  /** Offers come from what was available, never overlap, and go only where they may go. */
  private checkOffers(offers: ReturnType<Allocator['allocate']>): void {
    const offeredOn = new Map<string, Resources>();
    for (const o of offers) offeredOn.set(o.agentId, (offeredOn.get(o.agentId) ?? Resources.empty()).plus(o.resources));
    for (const [agent, offered] of offeredOn) {
      const before = this.allocator.available(agent).plus(offered);
      const heldThere = this.sumHeld((h) => h.agent === agent);
      expect(heldThere.plus(before).equals(this.totals.get(agent)!)).toBe(true);
    }
    for (const o of offers) {
      expect(o.resources.isEmpty()).toBe(false);
      expect(this.agentActive.get(o.agentId)).toBe(true);
      expect(this.frameworkActive.get(o.frameworkId)).toBe(true);
      expect(FRAMEWORK_ROLES[o.frameworkId]).toContain(o.role);
      expect(this.suppressed.get(o.frameworkId)!.has(o.role)).toBe(false);
      expect(o.resources.allocatableTo(o.role).equals(o.resources)).toBe(true);
      const filtered = this.filters.some(
        (f) => f.framework === o.frameworkId && f.agent === o.agentId && f.roles.length === 1 && f.roles[0] === o.role && f.until > this.now && f.resources.contains(o.resources),
      );
      expect(filtered).toBe(false);
      this.held.push({ framework: o.frameworkId, agent: o.agentId, role: o.role, resources: o.resources, offered: true });
    }
  }

  /** After a cycle, what is left on an agent is wanted by no one: every willing framework filtered it. */
  private checkNothingLeftForTheWilling(): void {
    for (const agent of this.totals.keys()) {
      if (!this.agentActive.get(agent)) continue;
      const available = this.allocator.available(agent);
      for (const [framework, active] of this.frameworkActive) {
        if (!active) continue;
        for (const role of FRAMEWORK_ROLES[framework]) {
          const offerable = available.allocatableTo(role);
          if (this.suppressed.get(framework)!.has(role) || offerable.isEmpty()) continue;
          const filtered = this.filters.some(
            (f) => f.framework === framework && f.agent === agent && f.roles.includes(role) && f.until > this.now && f.resources.contains(offerable),
          );
          expect(filtered).toBe(true);
        }
      }
    }
  }

  /** Held + available = total on every agent: nothing offered twice, nothing beyond capacity. */
  private checkLedger(): void {
    for (const [agent, total] of this.totals) {
      const available = this.allocator.available(agent);
      expect(total.contains(available)).toBe(true);
      const held = this.sumHeld((h) => h.agent === agent);
      expect(held.plus(available).equals(total)).toBe(true);
    }
    for (const framework of this.frameworkActive.keys()) {
      expect(this.allocator.allocatedTo(framework).equals(this.sumHeld((h) => h.framework === framework && !h.parked))).toBe(true);
    }
  }

  private sumHeld(which: (h: Held) => boolean): Resources {
    return this.held.filter(which).reduce((sum, h) => sum.plus(h.resources), Resources.empty());
  }
}

describe('allocator invariants', () => {
  test('under any sequence of operations nothing is offered twice or beyond capacity, and offers respect state and filters', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(opArb, { minLength: 20, maxLength: 80 }), (seed, ops) => {
        const master = new Master(seed);
        for (const op of ops) master.apply(op);
      }),
      { numRuns: 150 },
    );
  });

  test('frameworks with equal weights and identical demands end within one agent of each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        fc.array(fc.array(fc.nat(1000), { maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        (frameworkCount, agentCount, seed, releases) => {
          const allocator = createAllocator({ seed });
          const agent = r('cpus:8;mem:4096;ports:[31000-32000]');
          for (let i = 0; i < agentCount; i++) allocator.addAgent({ id: `a${i}`, hostname: `h${i}`, total: agent });
          const frameworks = Array.from({ length: frameworkCount }, (_, i) => `f${i}`);
          frameworks.forEach((id) => allocator.addFramework({ id, roles: ['web'] }));
          const holding = new Map<string, string>(); // agent -> framework; every framework takes whole agents
          let now = 0;
          const cycle = () => {
            for (const o of allocator.allocate(now++)) holding.set(o.agentId, o.frameworkId);
            const agentsOf = (f: string) => [...holding.values()].filter((x) => x === f).length;
            const counts = frameworks.map(agentsOf);
            // Shares are in whole agents here: a difference of one agent is one agent's worth.
            expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
            expect(holding.size).toBe(agentCount);
          };
          cycle();
          for (const release of releases) {
            // Tasks end on some agents; their frameworks give them back.
            for (const pick of release) {
              const agentId = `a${pick % agentCount}`;
              const framework = holding.get(agentId);
              if (!framework) continue;
              allocator.recoverResources(framework, agentId, agent, now);
              holding.delete(agentId);
            }
            cycle();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('allocator invariants with offer constraints', () => {
  type Predicate = AttributeConstraint['predicate'];
  const RACKS = ['r1', 'r2', 'r3'];
  const ROLES = ['web', 'batch'];

  /** Attribute text for an agent: a TEXT rack, maybe a SCALAR level, maybe nothing. */
  const attributesArb = fc.record({ rack: fc.option(fc.constantFrom(...RACKS), { nil: undefined }), level: fc.option(fc.nat(3), { nil: undefined }) });
  const predicateArb: fc.Arbitrary<Predicate> = fc.oneof(
    fc.constant({ exists: {} }),
    fc.constant({ not_exists: {} }),
    fc.constantFrom(...RACKS, '1', '2').map((value) => ({ text_equals: { value } })),
    fc.constantFrom(...RACKS, '1').map((value) => ({ text_not_equals: { value } })),
    fc.constantFrom('r[12]', 'r.*', 'h[0-9]', '[a-z]+1').map((regex) => ({ text_matches: { regex } })),
    fc.constantFrom('r1', 'h.*').map((regex) => ({ text_not_matches: { regex } })),
  );
  const constraintArb: fc.Arbitrary<AttributeConstraint> = fc.record({
    selector: fc.oneof(fc.constantFrom('rack', 'level', 'none').map((attribute_name) => ({ attribute_name })), fc.constant({ pseudoattribute_type: 'HOSTNAME' })),
    predicate: predicateArb,
  });
  const constraintsArb: fc.Arbitrary<OfferConstraints> = fc.dictionary(
    fc.constantFrom(...ROLES),
    fc.array(fc.array(constraintArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
      .map((groups) => ({ groups: groups.map((attribute_constraints) => ({ attribute_constraints })) })),
    { maxKeys: 2 },
  ).map((role_constraints) => ({ role_constraints }));
  const frameworkArb = fc.record({
    roles: fc.subarray(ROLES, { minLength: 1 }),
    constraints: constraintsArb,
  });

  /** An oracle written from scheduler.proto's comments, apart from the module under test. */
  function admits(constraints: OfferConstraints, role: string, agent: { hostname: string; rack?: string; level?: number }): boolean {
    const groups = constraints.role_constraints?.[role]?.groups;
    if (!groups) return true;
    const holds = ({ selector, predicate }: AttributeConstraint): boolean => {
      let value: { text: string } | { scalar: number } | undefined;
      if (selector.pseudoattribute_type === 'HOSTNAME') value = { text: agent.hostname };
      else if (selector.attribute_name === 'rack' && agent.rack !== undefined) value = { text: agent.rack };
      else if (selector.attribute_name === 'level' && agent.level !== undefined) value = { scalar: agent.level };
      if (predicate.exists) return value !== undefined;
      if (predicate.not_exists) return value === undefined;
      const negated = Boolean(predicate.text_not_equals || predicate.text_not_matches);
      if (value === undefined) return negated;
      if (!('text' in value)) return true;
      const text = value.text;
      if (predicate.text_equals) return text === predicate.text_equals.value;
      if (predicate.text_not_equals) return text !== predicate.text_not_equals.value;
      const regex = (predicate.text_matches ?? predicate.text_not_matches)!.regex;
      const whole = new RegExp(`^(?:${regex})$`).test(text);
      return predicate.text_matches ? whole : !whole;
    };
    return groups.some((g) => g.attribute_constraints.every(holds));
  }

  const compiled = (constraints: OfferConstraints) => {
    const result = compileOfferConstraints(constraints);
    if (!result.ok) throw new Error(result.message);
    return result.filter;
  };

  test('no offer ever goes to a framework whose constraints exclude the agent in that role, and nothing an admitted framework could take is left', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(attributesArb, { minLength: 1, maxLength: 6 }),
        fc.array(frameworkArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(
          fc.record({ kind: fc.constant('cycle' as const) }),
          fc.record({ kind: fc.constant('update' as const), framework: fc.nat(3), to: frameworkArb }),
          fc.record({ kind: fc.constant('relabel' as const), agent: fc.nat(5), to: attributesArb }),
        ), { minLength: 1, maxLength: 12 }),
        (seed, agentSpecs, frameworkSpecs, steps) => {
          const allocator = createAllocator({ seed });
          const agents = agentSpecs.map((spec, i) => ({ id: `a${i}`, hostname: `h${i}`, ...spec }));
          const attributesOf = (a: { rack?: string; level?: number }) =>
            parseAttributes([a.rack !== undefined ? `rack:${a.rack}` : '', a.level !== undefined ? `level:${a.level}` : ''].filter(Boolean).join(';'));
          for (const a of agents) allocator.addAgent({ id: a.id, hostname: a.hostname, total: r('cpus:1;mem:64'), attributes: attributesOf(a) });
          const frameworks = frameworkSpecs.map((spec, i) => ({ id: `f${i}`, ...spec }));
          for (const f of frameworks) allocator.addFramework({ id: f.id, roles: f.roles, offerConstraints: compiled(f.constraints) });
          let now = 0;
          for (const step of steps) {
            if (step.kind === 'update') {
              const f = frameworks[step.framework % frameworks.length];
              Object.assign(f, step.to);
              allocator.updateFramework({ id: f.id, roles: f.roles, offerConstraints: compiled(f.constraints) });
              continue;
            }
            if (step.kind === 'relabel') {
              const a = agents[step.agent % agents.length];
              a.rack = step.to.rack;
              a.level = step.to.level;
              allocator.updateAgentInfo(a.id, { hostname: a.hostname, attributes: attributesOf(a) });
              continue;
            }
            const offers = allocator.allocate(now++);
            for (const o of offers) {
              const f = frameworks.find((x) => x.id === o.frameworkId)!;
              const a = agents.find((x) => x.id === o.agentId)!;
              expect(f.roles).toContain(o.role);
              expect(admits(f.constraints, o.role, a)).toBe(true);
            }
            for (const a of agents) {
              if (allocator.available(a.id).isEmpty()) continue;
              // Left over: no framework's role admits this agent.
              expect(frameworks.some((f) => f.roles.some((role) => admits(f.constraints, role, a)))).toBe(false);
            }
            // Every scheduler declines everything (no filter), so the next cycle starts from the whole cluster.
            for (const o of offers) allocator.recoverResources(o.frameworkId, o.agentId, o.resources, now, 0, o.role);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---- dynamic reservations and persistent volumes ----

/** Conversions a framework (on what it was offered) or an operator (on free resources) applies between cycles. */
type ResvOp =
  | { kind: 'base'; op: Op }
  | { kind: 'frameworkReserve'; item: number; piece: number }
  | { kind: 'operatorReserve' | 'operatorUnreserve'; agent: string; piece: number; role: string }
  | { kind: 'operatorCreate' | 'operatorDestroy'; agent: string; role: string; id: string };

const RESV_PIECES = ['cpus:1', 'mem:128', 'disk:40'];
const RESV_ROLES = ['r1', 'r2'];

const resvArb: fc.Arbitrary<ResvOp> = fc.oneof(
  { weight: 6, arbitrary: opArb.map((op) => ({ kind: 'base' as const, op })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('frameworkReserve' as const), item: fc.nat(20), piece: fc.nat(RESV_PIECES.length - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('operatorReserve' as const, 'operatorUnreserve' as const),
      agent: fc.constantFrom(...AGENTS), piece: fc.nat(RESV_PIECES.length - 1), role: fc.constantFrom(...RESV_ROLES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('operatorCreate' as const, 'operatorDestroy' as const),
      agent: fc.constantFrom(...AGENTS), role: fc.constantFrom(...RESV_ROLES), id: fc.constantFrom('v1', 'v2'),
    }),
  },
);

const reservedPiece = (piece: string, role: string) => Resources.fromV1(r(piece).toV1().map((x) => ({ ...x, reservations: [{ type: 'DYNAMIC' as const, role }] })));
const volumeOf = (role: string, id: string) => Resources.fromV1([{
  name: 'disk', type: 'SCALAR', scalar: { value: 20 }, reservations: [{ type: 'DYNAMIC', role }],
  disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' } },
}]);

/** Applies a conversion to free resources as the master's operator API does: the agent's total changes. */
function operatorConvert(master: Master, agent: string, op: ResourceOperation): void {
  const total = master.totals.get(agent);
  if (!total) return;
  const out = applyOperation(total, op, {});
  if (!out.ok || !master.allocator.available(agent).contains(out.value.consumed)) return;
  master.totals.set(agent, out.value.result);
  master.allocator.updateAgentTotal(agent, out.value.result);
}

function applyResv(master: Master, step: ResvOp): void {
  switch (step.kind) {
    case 'base':
      return master.apply(step.op);
    case 'frameworkReserve': {
      // ACCEPT with RESERVE on an outstanding offer: converted in place in the allocation.
      const offered = master.held.filter((h) => h.offered);
      const item = offered[step.item % Math.max(1, offered.length)];
      if (!item) return;
      const op: ResourceOperation = { type: 'RESERVE', resources: reservedPiece(RESV_PIECES[step.piece], item.role), field: 'reserve.resources' };
      const out = applyOperation(item.resources, op, { allocationRole: item.role });
      if (!out.ok) return;
      master.allocator.updateAllocation(item.framework, item.agent, item.role, out.value.consumed, out.value.converted);
      item.resources = out.value.result;
      master.totals.set(item.agent, master.totals.get(item.agent)!.minus(out.value.consumed).plus(out.value.converted));
      break;
    }
    case 'operatorReserve':
    case 'operatorUnreserve':
      operatorConvert(master, step.agent, { type: step.kind === 'operatorReserve' ? 'RESERVE' : 'UNRESERVE', resources: reservedPiece(RESV_PIECES[step.piece], step.role), field: 'resources' });
      break;
    case 'operatorCreate':
    case 'operatorDestroy':
      operatorConvert(master, step.agent, { type: step.kind === 'operatorCreate' ? 'CREATE' : 'DESTROY', resources: volumeOf(step.role, step.id), field: 'volumes' });
      break;
  }
  // A cycle right after: its checks (ledger, offers only to the reservation's role, filters) see the conversion.
  master.apply({ kind: 'allocate', advance: 0 });
}

describe('allocator invariants with dynamic reservations and persistent volumes', () => {
  test('nothing offered twice or beyond capacity, reserved resources and volumes only to their role, totals kept by every conversion', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(resvArb, { minLength: 20, maxLength: 80 }), (seed, steps) => {
        const master = new Master(seed);
        const quantities = () => [...master.totals.values()].map((t) => [t.scalar('cpus'), t.scalar('mem'), t.scalar('disk')]);
        for (const step of steps) {
          const before = step.kind === 'base' ? undefined : quantities();
          applyResv(master, step);
          if (before) expect(quantities()).toEqual(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('a volume is offered whole, to its role, and never split across offers', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(opArb, { maxLength: 30 }), (seed, ops) => {
        const master = new Master(seed);
        operatorConvert(master, 'a2', { type: 'RESERVE', resources: reservedPiece('disk:40', 'r2'), field: 'resources' });
        operatorConvert(master, 'a2', { type: 'CREATE', resources: volumeOf('r2', 'v1'), field: 'volumes' });
        const vol = volumeOf('r2', 'v1');
        expect(master.totals.get('a2')!.contains(vol)).toBe(true);
        for (const op of ops) {
          master.apply(op);
          for (const h of master.held.filter((x) => x.agent === 'a2' && !x.resources.persistentVolumes().isEmpty())) {
            expect(h.resources.persistentVolumes().equals(vol)).toBe(true);
            expect(h.role).toBe('r2');
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  test('a role with a quota limit is never offered beyond it, whatever is reserved to it along the way', () => {
    const LIMIT = 3;
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), agent: fc.nat(2), cpus: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('allocate' as const) }),
      fc.record({ kind: fc.constant('decline' as const), pick: fc.nat(10) }),
    );
    fc.assert(
      fc.property(fc.integer(), fc.array(stepArb, { minLength: 5, maxLength: 40 }), (seed, steps) => {
        const allocator = createAllocator({ seed });
        const totals = [0, 1, 2].map(() => r('cpus:4;mem:512'));
        totals.forEach((total, i) => allocator.addAgent({ id: `a${i}`, hostname: `a${i}`, total }));
        allocator.setQuota('r1', { guarantees: {}, limits: { cpus: LIMIT } });
        allocator.addFramework({ id: 'f1', roles: ['r1'] });
        allocator.addFramework({ id: 'f2', roles: ['r2'] });
        let offers: ReturnType<Allocator['allocate']> = [];
        let now = 0;
        for (const step of steps) {
          if (step.kind === 'reserve') {
            const id = `a${step.agent}`;
            const out = applyOperation(totals[step.agent], { type: 'RESERVE', resources: reservedPiece(`cpus:${step.cpus}`, 'r1'), field: 'resources' }, {});
            if (!out.ok || !allocator.available(id).contains(out.value.consumed)) continue;
            totals[step.agent] = out.value.result;
            allocator.updateAgentTotal(id, out.value.result);
          } else if (step.kind === 'allocate') {
            offers = offers.concat(allocator.allocate((now += 1000)));
          } else if (offers.length > 0) {
            const [offer] = offers.splice(step.pick % offers.length, 1);
            allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, now, 0);
          }
          const heldByR1 = offers.filter((o) => o.role === 'r1').reduce((sum, o) => sum + o.resources.scalar('cpus'), 0);
          expect(heldByR1).toBeLessThanOrEqual(LIMIT + 1e-9);
          for (const o of offers) expect(o.resources.allocatableTo(o.role).equals(o.resources)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('DRF: a role\'s dynamic reservations count in its share, so an equal-weight role without any is served first', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 3 }), (seed, reservedCpus) => {
        const allocator = createAllocator({ seed });
        const total = r('cpus:8;mem:1024');
        allocator.addAgent({ id: 'a', hostname: 'a', total });
        // r1 already holds a dynamic reservation in use (an earlier ACCEPT made and used it).
        allocator.addFramework({ id: 'f1', roles: ['r1'] });
        const reserved = reservedPiece(`cpus:${reservedCpus}`, 'r1');
        const [offer] = allocator.allocate(0);
        const out = applyOperation(offer.resources, { type: 'RESERVE', resources: reserved, field: 'reserve.resources' }, { allocationRole: 'r1' });
        if (!out.ok) throw new Error(out.message);
        allocator.updateAllocation('f1', 'a', 'r1', out.value.consumed, out.value.converted);
        // f1 keeps only the reservation; agent a is out of the picture from here on.
        allocator.recoverResources('f1', 'a', out.value.result.minus(reserved), 0);
        allocator.deactivateAgent('a');
        allocator.addFramework({ id: 'f2', roles: ['r2'] });
        allocator.addAgent({ id: 'b', hostname: 'b', total });
        // The next agent goes to r2: r1's share (its reservation) is above r2's zero.
        const next = allocator.allocate(1).filter((o) => o.agentId === 'b');
        expect(next.map((o) => o.role)).toEqual(['r2']);
      }),
      { numRuns: 50 },
    );
  });
});

