/**
 * A minimal framework on the real v1 scheduler API (HTTP, JSON or protobuf), for benchmarks that run many of
 * them in child processes: SUBSCRIBE, then calls with the stream id on a shared keep-alive pool. It
 * acknowledges every update that carries a uuid, as a framework must, before handing it on. Times
 * are taken when an event is decoded, in ms on this process's performance clock.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { SCHEDULER_API_PATH } from '../../cluster/master/api/scheduler-api';
import { MAX_RECORD_BYTES, RecordIODecoder } from '../../cluster/protocol/recordio';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer, Resource, TaskInfo, TaskStatus } from '../../cluster/protocol/types';
import { Child, type ChildMessage } from './child';
import { benchRequest, PRINCIPAL } from './secure';

export interface FrameworkHandlers {
  onOffers(offers: Offer[], at: number): void;
  /** After the update was acknowledged. */
  onUpdate(status: TaskStatus, at: number): void;
}

type SchedulerEvent = { type: string; subscribed?: { framework_id: { value: string } }; offers?: { offers: Offer[] }; update?: { status: TaskStatus } };

/** How many tasks of `cpus` and `mem` fit in `resources`. */
export function tasksThatFit(resources: Resource[], cpus: number, mem: number): number {
  // A little slack: 0.1 added up many times is not exactly a tenth of the sum.
  const offered = Resources.fromV1(resources);
  return Math.max(0, Math.min(Math.floor(offered.scalar('cpus') / cpus + 1e-6), Math.floor(offered.scalar('mem') / mem + 1e-6)));
}

export type Encoding = 'json' | 'protobuf';
const CONTENT_TYPE: Record<Encoding, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };

/** A call's body in `encoding`. */
function encodeCall(encoding: Encoding, call: Record<string, unknown>): Buffer {
  return encoding === 'json' ? Buffer.from(JSON.stringify(call)) : encodeProtobuf(V1_MESSAGES.schedulerCall, call);
}

/** An event's record, read into the object form either way. */
function eventDecoder(encoding: Encoding): RecordIODecoder {
  if (encoding === 'json') return new RecordIODecoder();
  return new RecordIODecoder(MAX_RECORD_BYTES, (body) => {
    const decoded = decodeProtobuf(V1_MESSAGES.schedulerEvent, body);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  });
}

export const resourcesV1 = (text: string): Resource[] => Resources.parse(text).toV1();

export class BenchFramework {
  id = '';
  private streamId = '';
  private readonly url: string;

  constructor(
    masterUrl: string, private readonly name: string, private readonly calls: http.Agent, private readonly handlers: FrameworkHandlers,
    private readonly encoding: Encoding = 'json',
  ) {
    this.url = `${masterUrl}${SCHEDULER_API_PATH}`;
  }

  /** Resolves at SUBSCRIBED; the stream stays open for the process's life. */
  subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      const type = CONTENT_TYPE[this.encoding];
      const req = benchRequest(this.url, { method: 'POST', agent: false, headers: { 'Content-Type': type, Accept: type } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
          return;
        }
        this.streamId = String(res.headers['mesos-stream-id']);
        const decoder = eventDecoder(this.encoding);
        res.on('data', (chunk: Buffer) => {
          for (const event of decoder.push(chunk) as SchedulerEvent[]) {
            const at = performance.now();
            if (event.type === 'SUBSCRIBED') {
              this.id = event.subscribed!.framework_id.value;
              resolve();
            } else if (event.type === 'OFFERS') {
              this.handlers.onOffers(event.offers!.offers, at);
            } else if (event.type === 'UPDATE') {
              const status = event.update!.status;
              if (status.uuid) this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
              this.handlers.onUpdate(status, at);
            }
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(encodeCall(this.encoding, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'bench', name: this.name, principal: PRINCIPAL } } }));
    });
  }

  launch(offer: Offer, tasks: TaskInfo[], refuseSeconds = 5): void {
    this.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: refuseSeconds } },
    });
  }

  decline(offers: Offer[], refuseSeconds: number): void {
    if (offers.length > 0) this.call({ type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: refuseSeconds } } });
  }

  /** A call on the framework's stream; a failure is the benchmark's end, not something to retry. */
  call(body: Record<string, unknown>): void {
    const req = benchRequest(this.url, {
      method: 'POST', agent: this.calls, headers: { 'Content-Type': CONTENT_TYPE[this.encoding], 'Mesos-Stream-Id': this.streamId },
    }, (res) => {
      if (res.statusCode !== 202) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { throw new Error(`${String(body.type)} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`) });
      } else {
        res.resume();
      }
    });
    req.end(encodeCall(this.encoding, { framework_id: { value: this.id }, ...body }));
  }
}

/**
 * Forks `processes` children of `modulePath` that share `frameworks` frameworks between them, with
 * argv [role, masterUrl, frameworks in this child, index of its first, ...args]; resolves once all are ready.
 */
export async function forkFrameworks(modulePath: string, role: string, masterUrl: string, frameworks: number, processes: number, args: string[], into: Child[]): Promise<Child[]> {
  const perProcess = frameworks / processes;
  const children = Array.from({ length: processes }, (_, p) => new Child(modulePath, [role, masterUrl, String(perProcess), String(p * perProcess), ...args]));
  into.push(...children);
  await Promise.all(children.map((c) => c.ready));
  return children;
}

/** Tells every child to go; resolves with each one's first message of `type`. */
export function goAndAwait(children: Child[], type: string): Promise<ChildMessage[]> {
  const messages = Promise.all(children.map((c) => c.next((m) => m.type === type)));
  for (const child of children) child.go();
  return messages;
}
