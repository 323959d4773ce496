/**
 * The operator API's GET_STATE at 10,000 agents and 100,000 tasks, in JSON and in protobuf: the same
 * answer as encoding {type: 'GET_STATE', get_state: getState(core)}, kept between calls as /state is
 * (state-cache.ts), with its own renderings, since v1's Task and Agent differ from /state's.
 *
 * - Every task, agent and executor is rendered once per encoding into an entry kept until the record
 *   changes (the same checks as /state's: the fields the rendering reads, compared, not hooked).
 *   An encoding nobody asked for is never rendered.
 * - The lists are blocks of joined bytes (json-blocks.ts): a JSON array, or in protobuf a repeated
 *   field, whose encoding is its items' tagged encodings one after another. A message around them
 *   only needs its length, which is the sum of its chunks' lengths.
 * - Frameworks (a few hundred at most) are rendered on each build, with their usage summed per block
 *   of agents, as /state does.
 * - Builds walk in slices and are kept until the records change (sliced-build.ts).
 */
import type { TaskState, TaskStatus } from '../../protocol/types';
import { encodeProtobuf, encodeRepeatedItem, fieldHeader, V1_MESSAGES } from '../../protocol/wire-codec';
import type { MasterCore } from '../core';
import type { AgentSettings } from '../state/cluster-settings';
import type { AgentRecord, ExecutorRecord, FrameworkRecord, TaskRecord } from '../state/records';
import { addAgentUsage, addFrameworkSums, agentKey, agentUsage, currentAgentEntry, type AgentKey, type AgentUsage, type FrameworkSums } from './agent-entry';
import { cutAfter, JSON_ARRAY, JsonBlockList, PROTOBUF_FIELD, type Framing, type JsonBlockBuilder, type JsonEntry } from './json-blocks';
import { agentToV1With, listedExecutor, listedFramework, taskToV1 } from './operator-views';
import { SlicedBuild } from './sliced-build';
import { amount } from './usage';
import type { AgentSums, UsageCache } from './usage-cache';

export type StateEncoding = 'json' | 'protobuf';

export interface GetStateDocument {
  version: number;
  chunks: Buffer[];
  length: number;
}

/** GetTasks' lists of tasks, by their field names. */
type TaskList = 'tasks' | 'unreachable_tasks' | 'completed_tasks';

interface TaskEntry extends JsonEntry {
  task: TaskRecord;
  list: TaskList;
  state: TaskState;
  statuses: number;
  last: TaskStatus | undefined;
  latestUpdate: TaskRecord['latestUpdate'];
}

interface AgentEntry extends JsonEntry {
  key: AgentKey;
  usage: AgentUsage;
}

interface ExecutorEntry extends JsonEntry {
  info: ExecutorRecord['info'];
}

/** How one encoding renders an item of a list and puts the lists together. */
interface Encoder {
  framing: Framing;
  /** `list` is the item's field in its message (`message`, a full protobuf name). */
  item(message: string, list: string, value: unknown): Buffer;
  document(parts: Parts): Buffer[];
}

/** The document's lists, each as the chunks its list builder produced. */
interface Parts {
  tasks: Buffer[];
  unreachableTasks: Buffer[];
  completedTasks: Buffer[];
  executors: Buffer[];
  frameworks: Buffer[];
  completedFrameworks: Buffer[];
  agents: Buffer[];
  recoveredAgents: Buffer[];
}

const MESSAGE = {
  getTasks: 'mesos.v1.master.Response.GetTasks',
  getExecutors: 'mesos.v1.master.Response.GetExecutors',
  getFrameworks: 'mesos.v1.master.Response.GetFrameworks',
  getAgents: 'mesos.v1.master.Response.GetAgents',
  getState: 'mesos.v1.master.Response.GetState',
  response: V1_MESSAGES.masterResponse,
};

/** Blocks of about 64 agents and 128 tasks or executors, as /state's. */
const AGENT_CUT_BITS = 6;
const TASK_CUT_BITS = 7;
const AGENTS_PER_CHECK = 32;
const TASKS_PER_CHECK = 256;

const EMPTY = Buffer.alloc(0);
const text = (s: string) => Buffer.from(s);

/** The JSON of master.proto's Response with GetState, in the field order getState() gives. */
const JSON_ENCODER: Encoder = {
  framing: JSON_ARRAY,
  item: (_message, _list, value) => Buffer.from(JSON.stringify(value)),
  document: (p) => [
    text('{"type":"GET_STATE","get_state":{"get_tasks":{"pending_tasks":[],"tasks":'), ...p.tasks,
    text(',"unreachable_tasks":'), ...p.unreachableTasks,
    text(',"completed_tasks":'), ...p.completedTasks,
    text(',"orphan_tasks":[]},"get_executors":{"executors":'), ...p.executors,
    text(',"orphan_executors":[]},"get_frameworks":{"frameworks":'), ...p.frameworks,
    text(',"completed_frameworks":'), ...p.completedFrameworks,
    text(',"recovered_frameworks":[]},"get_agents":{"agents":'), ...p.agents,
    text(',"recovered_agents":'), ...p.recoveredAgents,
    text('}}}'),
  ],
};

/** The protobuf of the same Response: fields in number order, as protobufjs writes them. */
const PROTOBUF_ENCODER: Encoder = {
  framing: PROTOBUF_FIELD,
  item: encodeRepeatedItem,
  document: (p) => {
    const getState = [
      ...message(MESSAGE.getState, 'get_tasks', [...p.tasks, ...p.completedTasks, ...p.unreachableTasks]),
      ...message(MESSAGE.getState, 'get_executors', p.executors),
      ...message(MESSAGE.getState, 'get_frameworks', [...p.frameworks, ...p.completedFrameworks]),
      ...message(MESSAGE.getState, 'get_agents', [...p.agents, ...p.recoveredAgents]),
    ];
    return [encodeProtobuf(MESSAGE.response, { type: 'GET_STATE' }), ...message(MESSAGE.response, 'get_state', getState)];
  },
};

/** A message field's encoding: its header, then its chunks. */
function message(parent: string, field: string, chunks: Buffer[]): Buffer[] {
  return [fieldHeader(parent, field, lengthOf(chunks)), ...chunks];
}

function lengthOf(chunks: Buffer[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

/** GET_STATE for a principal that may see everything, in both encodings, each built when first asked for. */
export class OperatorStateCache {
  private readonly encodings: Record<StateEncoding, GetStateBuild>;

  constructor(core: MasterCore, usage: UsageCache, sliceMs?: number) {
    this.encodings = {
      json: new GetStateBuild(core, usage, JSON_ENCODER, sliceMs),
      protobuf: new GetStateBuild(core, usage, PROTOBUF_ENCODER, sliceMs),
    };
  }

  body(encoding: StateEncoding): Promise<GetStateDocument> {
    return this.encodings[encoding].document.get();
  }
}

/** The kept renderings and lists of one encoding. */
class GetStateBuild {
  readonly document: SlicedBuild<GetStateDocument>;
  private readonly taskEntries = new WeakMap<TaskRecord, TaskEntry>();
  private readonly agentEntries = new WeakMap<AgentRecord, AgentEntry>();
  private readonly executorEntries = new WeakMap<ExecutorRecord, ExecutorEntry>();
  private readonly lists;

  constructor(private readonly core: MasterCore, private readonly usage: UsageCache, private readonly encoder: Encoder, sliceMs?: number) {
    const list = <E extends JsonEntry>() => new JsonBlockList<E>(undefined, encoder.framing);
    this.lists = {
      tasks: list<TaskEntry>(),
      unreachable_tasks: list<TaskEntry>(),
      completed_tasks: list<TaskEntry>(),
      executors: list<ExecutorEntry>(),
      agents: new JsonBlockList<AgentEntry, FrameworkSums>(sumBlock, encoder.framing),
    };
    this.document = new SlicedBuild(() => core.records.version, () => this.walk(), sliceMs);
  }

  private *walk(): Generator<void, GetStateDocument> {
    const { core, lists } = this;
    const version = core.records.version;
    const agents = lists.agents.begin();
    const executors = lists.executors.begin();
    const recovered: unknown[] = [];
    let walked = 0;
    for (const agent of core.records.agents.values()) {
      agents.add(this.agentEntry(agent, agents.expected()));
      if (agent.recovered && agent.connection !== 'unreachable') recovered.push(agent.info);
      for (const executor of agent.executors.values()) executors.add(this.executorEntry(executor));
      if (++walked % AGENTS_PER_CHECK === 0) yield;
    }
    const parts: Parts = {
      tasks: [], unreachableTasks: [], completedTasks: [], executors: [], frameworks: [], completedFrameworks: [], agents: [], recoveredAgents: [],
    };
    agents.finish(parts.agents);
    executors.finish(parts.executors);
    parts.recoveredAgents = this.renderList(MESSAGE.getAgents, 'recovered_agents', recovered);

    const sums: FrameworkSums = { used: new Map(), offered: new Map() };
    for (const { summary } of agents.blocks) addFrameworkSums(sums, summary);
    const listed = (f: FrameworkRecord) => listedFramework(core, f, amount(sums.used, f.id), amount(sums.offered, f.id));
    parts.frameworks = this.renderList(MESSAGE.getFrameworks, 'frameworks', [...core.records.frameworks.values()].map(listed));
    parts.completedFrameworks = this.renderList(MESSAGE.getFrameworks, 'completed_frameworks', core.records.completedFrameworks.toArray().map(listed));

    // As getTasks: framework by framework, live tasks split by state, then the completed ones.
    const all = [...core.records.frameworks.values(), ...core.records.completedFrameworks.toArray()];
    const tasks = lists.tasks.begin();
    const unreachable = lists.unreachable_tasks.begin();
    const completed = lists.completed_tasks.begin();
    walked = 0;
    for (const framework of all) {
      for (const task of framework.tasks.values()) {
        const list = task.state === 'TASK_UNREACHABLE' ? unreachable : tasks;
        list.add(this.taskEntry(task, task.state === 'TASK_UNREACHABLE' ? 'unreachable_tasks' : 'tasks', list));
        if (++walked % TASKS_PER_CHECK === 0) yield;
      }
      for (const task of framework.completedTasks.toArray()) {
        completed.add(this.taskEntry(task, 'completed_tasks', completed));
        if (++walked % TASKS_PER_CHECK === 0) yield;
      }
    }
    tasks.finish(parts.tasks);
    unreachable.finish(parts.unreachableTasks);
    completed.finish(parts.completedTasks);
    const chunks = this.encoder.document(parts);
    return { version, chunks, length: lengthOf(chunks) };
  }

  /** A list rendered afresh (frameworks, recovered agents: few), framed as the kept ones are. */
  private renderList(messageName: string, field: string, values: unknown[]): Buffer[] {
    const { open, close, separator } = this.encoder.framing;
    const out: Buffer[] = [];
    if (open.length > 0) out.push(open);
    values.forEach((value, i) => {
      if (i > 0 && separator.length > 0) out.push(separator);
      out.push(this.encoder.item(messageName, field, value));
    });
    if (close.length > 0) out.push(close);
    return out;
  }

  /** The task's entry: the one the list expects next or the kept one if still current, else a new one. */
  private taskEntry(task: TaskRecord, list: TaskList, builder: JsonBlockBuilder<TaskEntry, undefined>): TaskEntry {
    const expected = builder.expected();
    if (expected?.task === task && currentTask(expected, task, list)) return expected;
    const kept = this.taskEntries.get(task);
    if (kept && currentTask(kept, task, list)) return kept;
    const { statuses } = task;
    const entry: TaskEntry = {
      task,
      list,
      bytes: this.encoder.item(MESSAGE.getTasks, list, taskToV1(task)),
      cut: cutAfter(task.taskId, TASK_CUT_BITS),
      state: task.state,
      statuses: statuses.length,
      last: statuses[statuses.length - 1],
      latestUpdate: task.latestUpdate,
    };
    this.taskEntries.set(task, entry);
    return entry;
  }

  private agentEntry(agent: AgentRecord, expected: AgentEntry | undefined): AgentEntry {
    return currentAgentEntry(this.core, this.usage, this.agentEntries, agent, expected, (a, sums, settings) => this.renderAgent(a, sums, settings));
  }

  /** Agents GET_AGENTS lists (reachable, not recovered) have bytes; the others count only towards usage. */
  private renderAgent(agent: AgentRecord, sums: AgentSums, settings: AgentSettings | undefined): AgentEntry {
    const usage = agentUsage(this.core, agent, sums);
    const listed = agent.connection !== 'unreachable' && !agent.recovered;
    return {
      bytes: listed ? this.encoder.item(MESSAGE.getAgents, 'agents', agentToV1With(agent, usage.used, usage.offered, settings)) : EMPTY,
      cut: cutAfter(agent.id, AGENT_CUT_BITS),
      key: agentKey(agent, sums, settings),
      usage,
    };
  }

  /** An executor's rendering changes only with its info. */
  private executorEntry(executor: ExecutorRecord): ExecutorEntry {
    const kept = this.executorEntries.get(executor);
    if (kept?.info === executor.info) return kept;
    const entry: ExecutorEntry = {
      info: executor.info,
      bytes: this.encoder.item(MESSAGE.getExecutors, 'executors', listedExecutor(executor)),
      cut: cutAfter(`${executor.agentId}/${executor.executorId}`, TASK_CUT_BITS),
    };
    this.executorEntries.set(executor, entry);
    return entry;
  }
}

/** taskToV1 reads the record's state, statuses and latest update; the rest is fixed at launch. */
function currentTask(entry: TaskEntry, task: TaskRecord, list: TaskList): boolean {
  const { statuses } = task;
  return entry.list === list && entry.state === task.state && entry.statuses === statuses.length
    && entry.last === statuses[statuses.length - 1] && entry.latestUpdate === task.latestUpdate;
}

function sumBlock(entries: AgentEntry[]): FrameworkSums {
  const sums: FrameworkSums = { used: new Map(), offered: new Map() };
  addAgentUsage(sums, entries.map((entry) => entry.usage));
  return sums;
}
