/**
 * Allocator benchmark, after Mesos's HierarchicalAllocator_BENCHMARK_Test.DeclineOffers
 * (src/tests/hierarchical_allocator_tests.cpp): many agents, many frameworks that have taken what
 * they need and decline everything else with a refuse filter.
 *
 * Setup: F frameworks spread over 5 roles (equal weights), then N agents of
 * cpus:24;mem:4096;disk:4096;ports:[31000-32000] (timed: "add agents").
 * First cycle (timed: "first cycle"): every agent is offered whole; each framework launches one task
 * of cpus:16;mem:2014;disk:1024 and 16 ports per offer (Mesos's benchmark allocation) and declines the
 * rest with refuse_seconds 5.
 * Steady state: the clock advances 1 s per cycle (Mesos's default allocation interval). Each cycle
 * the 8 cpus / 2082 mem / 3072 disk / 985 ports left on every agent are offered to some framework
 * that has not filtered them; none fits a task, so every offer is declined with refuse_seconds 5.
 * "median cycle" is the time of `allocate(now)` alone (DRF sorting, filter checks, building the
 * offers for all N agents), the median over the steady cycles; "median decline" is the time to hand
 * all of that cycle's offers back through `recoverResources` with a filter, measured apart.
 *
 * Reservations and volumes (second table): on N agents, each agent's disk goes through RESERVE,
 * CREATE (a volume), DESTROY and UNRESERVE, validated and applied by the resource-operation code and
 * given to the allocator: as an operator does it (free resources: updateAgentTotal) and as a framework
 * does it in an ACCEPT (offered resources: updateAllocation). Reported as operations per second.
 *
 * Run: tsc -p tsconfig.build.json && node dist/bench/allocator.bench.js [--quick]
 */
import { performance } from 'node:perf_hooks';
import { createAllocator } from '../cluster/allocator';
import type { Allocation, Allocator } from '../cluster/allocator';
import { applyOperation, type ResourceOperation, type ResourceOperationType } from '../cluster/protocol/resource-operations';
import { Resources } from '../cluster/protocol/resources';
import { round } from './lib/http';
import { printTable, writeResults, type Row } from './lib/report';

const AGENT = Resources.parse('cpus:24;mem:4096;disk:4096;ports:[31000-32000]');
const TASK = Resources.parse('cpus:16;mem:2014;disk:1024');
const TASK_PORTS = 16;
const ROLES = 5;
const REFUSE_SECONDS = 5;
const STEADY_CYCLES = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function timed<T>(work: () => T): [T, number] {
  const start = performance.now();
  const result = work();
  return [result, performance.now() - start];
}

/** The framework side: launch a task if the offer fits one, decline the rest with a filter. */
function respond(allocator: Allocator, offers: Allocation[], now: number): number {
  let launched = 0;
  for (const offer of offers) {
    let rest = offer.resources;
    const ports = offer.resources.pickPorts(TASK_PORTS);
    if (ports && offer.resources.contains(TASK)) {
      const task = TASK.plus(Resources.parse(`ports:[${ports[0]}-${ports[TASK_PORTS - 1]}]`));
      if (offer.resources.contains(task)) {
        rest = offer.resources.minus(task);
        launched++;
      }
    }
    allocator.recoverResources(offer.frameworkId, offer.agentId, rest, now, REFUSE_SECONDS);
  }
  return launched;
}

function run(agentCount: number, frameworkCount: number): Row {
  const allocator = createAllocator({ seed: 1 });
  for (let i = 0; i < frameworkCount; i++) allocator.addFramework({ id: `framework-${i}`, roles: [`role-${i % ROLES}`] });
  const [, addMs] = timed(() => {
    for (let i = 0; i < agentCount; i++) allocator.addAgent({ id: `agent-${i}`, hostname: `host-${i}`, total: AGENT });
  });

  let now = 0;
  const [firstOffers, firstMs] = timed(() => allocator.allocate(now));
  const launched = respond(allocator, firstOffers, now);

  const cycles: number[] = [];
  const declines: number[] = [];
  let offers = 0;
  for (let c = 0; c < STEADY_CYCLES; c++) {
    now += 1000;
    const [cycleOffers, cycleMs] = timed(() => allocator.allocate(now));
    const [, declineMs] = timed(() => respond(allocator, cycleOffers, now));
    cycles.push(cycleMs);
    declines.push(declineMs);
    offers += cycleOffers.length;
  }
  return {
    agents: agentCount,
    frameworks: frameworkCount,
    'add agents (ms)': round(addMs),
    'first cycle (ms)': round(firstMs),
    tasks: launched,
    'offers/cycle': Math.round(offers / STEADY_CYCLES),
    'median cycle (ms)': round(median(cycles)),
    'max cycle (ms)': round(Math.max(...cycles)),
    'median decline (ms)': round(median(declines)),
  };
}

const RESERVED_DISK = Resources.fromV1([{ name: 'disk', type: 'SCALAR', scalar: { value: 1024 }, reservations: [{ type: 'DYNAMIC', role: 'role-0', principal: 'ops' }] }]);
const VOLUME = Resources.fromV1([{
  name: 'disk', type: 'SCALAR', scalar: { value: 512 }, reservations: [{ type: 'DYNAMIC', role: 'role-0', principal: 'ops' }],
  disk: { persistence: { id: 'data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
}]);
const CYCLE: [ResourceOperationType, Resources][] = [['RESERVE', RESERVED_DISK], ['CREATE', VOLUME], ['DESTROY', VOLUME], ['UNRESERVE', RESERVED_DISK]];

/** RESERVE, CREATE, DESTROY, UNRESERVE on every agent; `offered`: through an offer (updateAllocation), else free resources. */
function runReservations(agentCount: number, offered: boolean): Row {
  const allocator = createAllocator({ seed: 1 });
  allocator.addFramework({ id: 'framework-0', roles: ['role-0'] });
  for (let i = 0; i < agentCount; i++) allocator.addAgent({ id: `agent-${i}`, hostname: `host-${i}`, total: AGENT });
  // Through offers: the framework holds each agent whole, as after the first cycle.
  const held = new Map<string, Resources>();
  if (offered) for (const offer of allocator.allocate(0)) held.set(offer.agentId, offer.resources);
  const totals = new Map<string, Resources>();
  for (let i = 0; i < agentCount; i++) totals.set(`agent-${i}`, AGENT);
  let operations = 0;
  const [, ms] = timed(() => {
    for (const [type, resources] of CYCLE) {
      const op: ResourceOperation = { type, resources, field: 'bench' };
      for (const [agentId, total] of totals) {
        const on = offered ? held.get(agentId)! : total;
        const out = applyOperation(on, op, { principal: 'ops', ...(offered ? { allocationRole: 'role-0' } : {}) });
        if (!out.ok) throw new Error(out.message);
        const next = total.minus(out.value.consumed).plus(out.value.converted);
        if (offered) {
          allocator.updateAllocation('framework-0', agentId, 'role-0', out.value.consumed, out.value.converted);
          held.set(agentId, out.value.result);
        } else {
          allocator.updateAgentTotal(agentId, next);
        }
        totals.set(agentId, next);
        operations++;
      }
    }
  });
  return { agents: agentCount, via: offered ? 'ACCEPT (updateAllocation)' : 'operator (updateAgentTotal)', operations, 'ms': round(ms), 'ops/s': Math.round(operations / (ms / 1000)) };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const agentCounts = quick ? [1_000, 5_000] : [1_000, 5_000, 10_000, 20_000];
  const frameworkCounts = [100, 1_000];
  run(1_000, 100); // warm-up so the first row is not measuring the JIT
  const rows: Row[] = [];
  for (const agents of agentCounts) for (const frameworks of frameworkCounts) rows.push(run(agents, frameworks));
  printTable(`Allocator: ${STEADY_CYCLES} steady cycles, every offer declined with refuse_seconds ${REFUSE_SECONDS}`, rows);
  runReservations(1_000, false); // warm-up
  const reservations: Row[] = [];
  for (const agents of agentCounts) for (const offered of [false, true]) reservations.push(runReservations(agents, offered));
  printTable('Reservations and volumes: RESERVE, CREATE, DESTROY, UNRESERVE on every agent', reservations);
  const file = writeResults('allocator', { node: process.version, quick, steadyCycles: STEADY_CYCLES, rows, reservations });
  process.stdout.write(`results written to ${file}\n`);
}

main();
