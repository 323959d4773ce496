/**
 * GET /state at 10,000 agents and 100,000 tasks: the same bytes as JSON.stringify(buildState(core)),
 * kept between builds so that a build after a change costs a walk over references plus the rendering
 * of what changed, and so that building never holds the event loop for long.
 *
 * - Every agent, task and offer is rendered once into an entry kept until the record changes (checked
 *   by comparing the fields the rendering reads, so no change can be missed by a forgotten hook).
 * - The lists are kept as blocks of joined bytes (json-blocks.ts); a build copies only the blocks
 *   around what changed, and the document is served as the list of those buffers, never concatenated.
 * - Resource sums per framework are kept per block of agents, so a build adds up a few hundred block
 *   sums instead of every agent's.
 * - A build walks the records in slices that yield to the event loop and is kept until the records
 *   change (sliced-build.ts). The walk that does not yield finds everything rendered and every block
 *   in place: at 100,000 tasks it holds the loop for about 30 ms.
 */
import type { TaskStatus } from '../../protocol/types';
import type { AgentSettings } from '../state/cluster-settings';
import type { MasterCore } from '../core';
import { addAgentUsage, addFrameworkSums, agentKey, agentUsage, currentAgentEntry, type AgentKey, type AgentUsage, type FrameworkSums } from './agent-entry';
import { COMMA, cutAfter, JsonBlockList, type JsonBlockBuilder, type JsonEntry } from './json-blocks';
import type { OfferRecord } from '../state/offers';
import type { AgentRecord, FrameworkRecord, TaskRecord } from '../state/records';
import { SlicedBuild } from './sliced-build';
import {
  legacyAgentWith, legacyExecutor, legacyFrameworkParts, legacyOffer, legacyStateParts, legacyTask, type AgentCounts,
} from './state-json';
import { amount } from './usage';
import type { AgentSums, UsageCache } from './usage-cache';

/** A document ready to send. */
export interface StateDocument {
  version: number;
  chunks: Buffer[];
  length: number;
}

interface TaskEntry extends JsonEntry {
  task: TaskRecord;
  state: string;
  statuses: number;
  last: TaskStatus | undefined;
}

/** What the entry was rendered from (key), and what it adds to its frameworks (usage). */
interface AgentEntry extends JsonEntry {
  key: AgentKey;
  usage: AgentUsage;
  /** Its executors' JSON, comma-separated, by framework (unreachable agents list none). */
  executorsByFramework?: Map<string, Buffer>;
}

/** What a block of agents adds to each framework. */
interface AgentBlockSums extends FrameworkSums {
  executors: Map<string, Buffer[]>;
}

interface FrameworkLists {
  tasks: JsonBlockList<TaskEntry>;
  unreachable: JsonBlockList<TaskEntry>;
  completed: JsonBlockList<TaskEntry>;
  offers: JsonBlockList<JsonEntry>;
}

/** Blocks of about 64 agents (~100 KB) and 128 tasks or offers (~30 KB). */
const AGENT_CUT_BITS = 6;
const TASK_CUT_BITS = 7;
/** Records walked between looks at the clock. */
const AGENTS_PER_CHECK = 32;
const TASKS_PER_CHECK = 256;

const EMPTY = Buffer.alloc(0);

export class StateJsonCache {
  private readonly document: SlicedBuild<StateDocument>;
  private readonly agentEntries = new WeakMap<AgentRecord, AgentEntry>();
  private readonly taskEntries = new WeakMap<TaskRecord, TaskEntry>();
  private readonly offerEntries = new WeakMap<OfferRecord, JsonEntry>();
  private readonly slaves = new JsonBlockList<AgentEntry, AgentBlockSums>(sumBlock);
  private readonly frameworkLists = new WeakMap<FrameworkRecord, FrameworkLists>();

  /** `sliceMs`: how long a slice of a build may hold the event loop (tests make it 0 to interleave). */
  constructor(private readonly core: MasterCore, private readonly usage: UsageCache, sliceMs?: number) {
    this.document = new SlicedBuild(() => core.records.version, () => this.walk(), sliceMs);
  }

  /** The current document: from the cache if nothing changed, else from a build (shared by concurrent callers). */
  body(): Promise<StateDocument> {
    return this.document.get();
  }

  /** The answer to a GET: the document's buffers as they are, never joined. */
  async answer(): Promise<{ chunks: readonly Buffer[]; contentType: string }> {
    const { chunks } = await this.body();
    return { chunks, contentType: 'application/json' };
  }

  /** One walk over the records that renders what changed and yields now and then; returns the document. */
  private *walk(): Generator<void, StateDocument> {
    const version = this.core.records.version;
    const counts: AgentCounts = { activated: 0, deactivated: 0, unreachable: 0 };
    const slaves = this.slaves.begin();
    let walked = 0;
    for (const agent of this.core.records.agents.values()) {
      if (agent.connection === 'unreachable') counts.unreachable++;
      else if (agent.connection === 'connected') counts.activated++;
      else counts.deactivated++;
      slaves.add(this.agentEntry(agent, slaves.expected()));
      if (++walked % AGENTS_PER_CHECK === 0) yield;
    }
    const chunks: Buffer[] = [];
    const { head, tail } = legacyStateParts(this.core, counts);
    chunks.push(Buffer.from(`${openObject(head)},"slaves":`));
    slaves.finish(chunks);
    const sums = frameworkSums(slaves);

    chunks.push(Buffer.from(',"recovered_slaves":[],"frameworks":['));
    let first = true;
    for (const framework of this.core.records.frameworks.values()) {
      if (!first) chunks.push(COMMA);
      first = false;
      yield* this.framework(framework, sums, sums.executors.get(framework.id) ?? [], chunks);
    }
    chunks.push(Buffer.from('],"completed_frameworks":['));
    first = true;
    for (const framework of this.core.records.completedFrameworks.toArray()) {
      if (!first) chunks.push(COMMA);
      first = false;
      yield* this.framework(framework, sums, [], chunks);
    }
    chunks.push(Buffer.from(`]${restOfObject(tail)}`));
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    return { version, chunks, length };
  }

  private *framework(framework: FrameworkRecord, sums: AgentBlockSums, executors: Buffer[], out: Buffer[]): Generator<void, void> {
    const lists = this.listsOf(framework);
    const { head, tail } = legacyFrameworkParts(framework, amount(sums.used, framework.id), amount(sums.offered, framework.id));
    out.push(Buffer.from(`${openObject(head)},"tasks":`));
    const tasks = lists.tasks.begin();
    const unreachable = lists.unreachable.begin();
    let walked = 0;
    for (const task of framework.tasks.values()) {
      const list = task.state === 'TASK_UNREACHABLE' ? unreachable : tasks;
      list.add(this.taskEntry(task, list.expected()));
      if (++walked % TASKS_PER_CHECK === 0) yield;
    }
    tasks.finish(out);
    out.push(Buffer.from(',"unreachable_tasks":'));
    unreachable.finish(out);
    out.push(Buffer.from(',"completed_tasks":'));
    yield* this.taskList(lists.completed.begin(), framework.completedTasks.toArray(), out);
    out.push(Buffer.from(',"offers":'));
    const offers = lists.offers.begin();
    for (const id of framework.offerIds) {
      const offer = this.core.offers.get(id);
      if (offer) offers.add(this.offerEntry(offer));
    }
    offers.finish(out);
    out.push(Buffer.from(',"executors":['));
    for (let i = 0; i < executors.length; i++) {
      if (i > 0) out.push(COMMA);
      out.push(executors[i]);
    }
    out.push(Buffer.from(`]${restOfObject(tail)}`));
  }

  private *taskList(list: JsonBlockBuilder<TaskEntry, undefined>, tasks: TaskRecord[], out: Buffer[]): Generator<void, void> {
    for (let i = 0; i < tasks.length; i++) {
      list.add(this.taskEntry(tasks[i], list.expected()));
      if ((i + 1) % TASKS_PER_CHECK === 0) yield;
    }
    list.finish(out);
  }

  private listsOf(framework: FrameworkRecord): FrameworkLists {
    let lists = this.frameworkLists.get(framework);
    if (!lists) {
      lists = { tasks: new JsonBlockList(), unreachable: new JsonBlockList(), completed: new JsonBlockList(), offers: new JsonBlockList() };
      this.frameworkLists.set(framework, lists);
    }
    return lists;
  }

  /** The task's entry: `expected` (where the list was last time) if it is this task's and current, else the kept one, else a new one. */
  private taskEntry(task: TaskRecord, expected: TaskEntry | undefined): TaskEntry {
    if (expected?.task === task && currentTask(expected, task)) return expected;
    const kept = this.taskEntries.get(task);
    if (kept && currentTask(kept, task)) return kept;
    const { statuses } = task;
    const entry: TaskEntry = {
      task,
      bytes: Buffer.from(JSON.stringify(legacyTask(task))),
      cut: cutAfter(task.taskId, TASK_CUT_BITS),
      state: task.state,
      statuses: statuses.length,
      last: statuses[statuses.length - 1],
    };
    this.taskEntries.set(task, entry);
    return entry;
  }

  private offerEntry(offer: OfferRecord): JsonEntry {
    let entry = this.offerEntries.get(offer);
    if (!entry) {
      // Offers do not change; one leaves and another comes.
      entry = { bytes: Buffer.from(JSON.stringify(legacyOffer(offer))), cut: cutAfter(offer.id, TASK_CUT_BITS) };
      this.offerEntries.set(offer, entry);
    }
    return entry;
  }

  private agentEntry(agent: AgentRecord, expected: AgentEntry | undefined): AgentEntry {
    return currentAgentEntry(this.core, this.usage, this.agentEntries, agent, expected, (a, sums, settings) => this.renderAgent(a, sums, settings));
  }

  private renderAgent(agent: AgentRecord, sums: AgentSums, settings: AgentSettings | undefined): AgentEntry {
    const listed = agent.connection !== 'unreachable';
    const usage = agentUsage(this.core, agent, sums);
    let executorsByFramework: Map<string, Buffer> | undefined;
    if (listed && agent.executors.size > 0) {
      const texts = new Map<string, string[]>();
      for (const executor of agent.executors.values()) {
        const json = JSON.stringify(legacyExecutor(executor));
        const list = texts.get(executor.frameworkId);
        if (list) list.push(json);
        else texts.set(executor.frameworkId, [json]);
      }
      executorsByFramework = new Map([...texts].map(([id, list]) => [id, Buffer.from(list.join(','))]));
    }
    return {
      bytes: listed ? Buffer.from(JSON.stringify(legacyAgentWith(agent, usage.used, usage.offered, settings))) : EMPTY,
      cut: cutAfter(agent.id, AGENT_CUT_BITS),
      key: agentKey(agent, sums, settings),
      usage,
      executorsByFramework,
    };
  }
}

/** A task's rendering changes only with its state and statuses; the rest is fixed at launch. */
function currentTask(entry: TaskEntry, task: TaskRecord): boolean {
  const { statuses } = task;
  return entry.state === task.state && entry.statuses === statuses.length && entry.last === statuses[statuses.length - 1];
}

function sumBlock(entries: AgentEntry[]): AgentBlockSums {
  const sums: AgentBlockSums = { used: new Map(), offered: new Map(), executors: new Map() };
  addAgentUsage(sums, entries.map((entry) => entry.usage));
  const pieces = new Map<string, Buffer[]>();
  for (const entry of entries) {
    if (entry.executorsByFramework) {
      for (const [id, bytes] of entry.executorsByFramework) {
        const list = pieces.get(id);
        if (list) list.push(COMMA, bytes);
        else pieces.set(id, [bytes]);
      }
    }
  }
  for (const [id, list] of pieces) sums.executors.set(id, [Buffer.concat(list)]);
  return sums;
}

/** The blocks' sums added up: what every framework uses and is offered, and its executors' JSON pieces. */
function frameworkSums(slaves: JsonBlockBuilder<AgentEntry, AgentBlockSums>): AgentBlockSums {
  const total: AgentBlockSums = { used: new Map(), offered: new Map(), executors: new Map() };
  for (const { summary } of slaves.blocks) {
    addFrameworkSums(total, summary);
    for (const [id, pieces] of summary.executors) {
      const list = total.executors.get(id);
      if (list) list.push(...pieces);
      else total.executors.set(id, [...pieces]);
    }
  }
  return total;
}

/** An object's JSON without its closing brace, to append more fields to. */
function openObject(json: Record<string, unknown>): string {
  return JSON.stringify(json).slice(0, -1);
}

/** An object's fields as they continue an object opened before (',"a":1}'), or just '}'. */
function restOfObject(json: Record<string, unknown>): string {
  const text = JSON.stringify(json);
  return text === '{}' ? '}' : `,${text.slice(1)}`;
}
