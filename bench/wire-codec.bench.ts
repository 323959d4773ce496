/**
 * What a call costs the master to take in, JSON against protobuf: the body's bytes to a validated
 * call, per call, in µs. JSON is JSON.parse, Mesos's reading (nulls, unknown enums: normalizeJson)
 * and validation; protobuf is the decode into the same object and the same validation. Calls:
 * SUBSCRIBE (a framework with roles, capabilities, labels), ACCEPT launching T tasks (command,
 * environment, cpus/mem/ports resources), ACKNOWLEDGE, and an executor's UPDATE (the status update
 * the agent takes from an executor; validated with the master's TaskStatus schema). The last rows
 * are the way out: an OFFERS event of 100 offers encoded as JSON and as protobuf.
 *
 * Run: tsc -p tsconfig.build.json && node dist/bench/wire-codec.bench.js [--quick] [--iterations N]
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { id, taskStatus } from '../cluster/protocol/schemas';
import { validateSchedulerCall, validateWith } from '../cluster/protocol/validate';
import { decodeProtobuf, encodeProtobuf, normalizeJson, V1_MESSAGES, type V1MessageName } from '../cluster/protocol/wire-codec';
import { round } from './lib/http';
import { printTable, writeResults, type Row } from './lib/report';

const executorUpdate = z.looseObject({ executor_id: id, framework_id: id, type: z.literal('UPDATE'), update: z.looseObject({ status: taskStatus }) });

const UUID = 'AAECAwQFBgcICQoLDA0ODw==';
const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value }, role: '*', allocation_info: { role: 'web' } });

function task(i: number) {
  return {
    name: `task-${i}`,
    task_id: { value: `task-${i}` },
    agent_id: { value: 'agent-1' },
    resources: [scalar('cpus', 0.5), scalar('mem', 128), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000 + i, end: 31000 + i }] }, role: '*', allocation_info: { role: 'web' } }],
    command: { value: `run --n ${i}`, shell: true, environment: { variables: [{ name: 'N', type: 'VALUE', value: String(i) }] } },
    labels: { labels: [{ key: 'app', value: 'web' }] },
  };
}

const CALLS: { name: string; message: V1MessageName; call: Record<string, unknown>; validate: (body: unknown) => { ok: boolean } }[] = [
  {
    name: 'SUBSCRIBE',
    message: V1_MESSAGES.schedulerCall,
    validate: validateSchedulerCall,
    call: {
      type: 'SUBSCRIBE',
      subscribe: {
        framework_info: {
          user: 'root', name: 'bench', roles: ['web', 'batch'], failover_timeout: 604800, checkpoint: true, principal: 'bench',
          capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }], labels: { labels: [{ key: 'team', value: 'infra' }] },
        },
      },
    },
  },
  ...[1, 10].map((tasks) => ({
    name: `ACCEPT (${tasks} task${tasks > 1 ? 's' : ''})`,
    message: V1_MESSAGES.schedulerCall,
    validate: validateSchedulerCall,
    call: {
      framework_id: { value: 'framework-1' },
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'offer-1' }],
        operations: [{ type: 'LAUNCH', launch: { task_infos: Array.from({ length: tasks }, (_, i) => task(i)) } }],
        filters: { refuse_seconds: 5 },
      },
    },
  })),
  {
    name: 'ACKNOWLEDGE',
    message: V1_MESSAGES.schedulerCall,
    validate: validateSchedulerCall,
    call: { framework_id: { value: 'framework-1' }, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'agent-1' }, task_id: { value: 'task-1' }, uuid: UUID } },
  },
  {
    name: 'executor UPDATE',
    message: V1_MESSAGES.executorCall,
    validate: (body) => validateWith(executorUpdate, body),
    call: {
      executor_id: { value: 'executor-1' },
      framework_id: { value: 'framework-1' },
      type: 'UPDATE',
      update: { status: { task_id: { value: 'task-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: UUID, timestamp: 1765000000.5, executor_id: { value: 'executor-1' } } },
    },
  },
];

/** µs per run of `work`, over `iterations` runs after a warm-up of a tenth as many. */
function perCall(iterations: number, work: () => void): number {
  for (let i = 0; i < Math.max(1, iterations / 10); i++) work();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) work();
  return ((performance.now() - start) * 1000) / iterations;
}

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what} was refused: the benchmark would measure an error path`);
}

function inbound(iterations: number): Row[] {
  return CALLS.map(({ name, message, call, validate }) => {
    const text = JSON.stringify(call);
    const bytes = encodeProtobuf(message, call);
    must(validate(normalizeJson(JSON.parse(text), message)).ok, `${name} in JSON`);
    const decoded = decodeProtobuf(message, bytes);
    must(decoded.ok && validate(decoded.value).ok, `${name} in protobuf`);
    const jsonUs = perCall(iterations, () => { validate(normalizeJson(JSON.parse(text), message)) });
    const protobufUs = perCall(iterations, () => {
      const d = decodeProtobuf(message, bytes);
      if (d.ok) validate(d.value);
    });
    return {
      call: name,
      'JSON bytes': Buffer.byteLength(text),
      'protobuf bytes': bytes.length,
      'JSON (µs/call)': round(jsonUs),
      'protobuf (µs/call)': round(protobufUs),
      'protobuf/JSON': round(protobufUs / jsonUs),
    };
  });
}

function outbound(iterations: number): Row {
  const offers = Array.from({ length: 100 }, (_, i) => ({
    id: { value: `offer-${i}` }, framework_id: { value: 'framework-1' }, agent_id: { value: `agent-${i}` }, hostname: `host-${i}`,
    resources: [scalar('cpus', 24), scalar('mem', 4096), scalar('disk', 4096), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*', allocation_info: { role: 'web' } }],
    allocation_info: { role: 'web' },
  }));
  const event = { type: 'OFFERS', offers: { offers } };
  const n = Math.max(1, Math.round(iterations / 100));
  return {
    call: 'encode OFFERS (100 offers)',
    'JSON bytes': Buffer.byteLength(JSON.stringify(event)),
    'protobuf bytes': encodeProtobuf(V1_MESSAGES.schedulerEvent, event).length,
    'JSON (µs/call)': round(perCall(n, () => { Buffer.from(JSON.stringify(event)) })),
    'protobuf (µs/call)': round(perCall(n, () => { encodeProtobuf(V1_MESSAGES.schedulerEvent, event) })),
  };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const flag = process.argv.indexOf('--iterations');
  const iterations = flag > 0 ? Number(process.argv[flag + 1]) : quick ? 2_000 : 20_000;
  if (!(iterations >= 1)) throw new Error('--iterations must be a positive number');
  const rows = [...inbound(iterations), outbound(iterations)];
  printTable(`Calls in, bytes to a validated call (${iterations} runs each), and an event out`, rows);
  const file = writeResults('wire-codec', { node: process.version, iterations, rows });
  process.stdout.write(`results written to ${file}\n`);
}

main();
