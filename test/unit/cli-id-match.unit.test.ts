import { EXIT, toCliError } from '../../cli/errors';
import { IdError, matchIds, resolveId, type IdCandidate } from '../../cli/id-match';
import { resolveAgent, resolveFramework, resolveTask, type LookupContext } from '../../cli/lookup';
import type { OperatorAgent, OperatorFramework } from '../../cluster/protocol/operator';
import type { Task, TaskState } from '../../cluster/protocol/types';

const MASTER = '5f1c3a9e-0d2b-4c55-9a0e-1b2c3d4e5f60';
const ctx: LookupContext = { where: "cluster 'local'", bin: 'mesoscloud', clusterArg: '' };

function candidates(...ids: string[]): IdCandidate<string>[] {
  return ids.map((id) => ({ id, item: id, describe: id }));
}

function task(id: string, framework: string, state: TaskState): Task {
  return { name: id, task_id: { value: id }, framework_id: { value: framework }, agent_id: { value: `${MASTER}-S0` }, state, resources: [], statuses: [] };
}

function agent(suffix: string): OperatorAgent {
  return { agent_info: { id: { value: `${MASTER}-${suffix}` }, hostname: '127.0.0.1', port: 5051, resources: [] }, active: true };
}

function framework(suffix: string, active = true): OperatorFramework {
  return { framework_info: { id: { value: `${MASTER}-${suffix}` }, name: `fw-${suffix}`, user: 'root' }, active, connected: active };
}

function thrown(fn: () => unknown): IdError {
  try {
    fn();
  } catch (err) {
    return err as IdError;
  }
  throw new Error('expected an error');
}

describe('matching ids', () => {
  it('takes the whole id over a longer id it is a prefix of', () => {
    expect(matchIds('web', candidates('web', 'web-2')).map((c) => c.id)).toEqual(['web']);
  });

  it('takes a unique prefix, as git does', () => {
    expect(resolveId('sl', candidates('sleeper', 'hello'), { kind: 'task', where: "cluster 'local'", listCommand: 'x' })).toBe('sleeper');
  });

  it('takes the part after the last dash when no id starts with the input', () => {
    expect(resolveAgent('S1', [agent('S0'), agent('S1')], ctx).agent_info.id?.value).toBe(`${MASTER}-S1`);
  });

  it('matches nothing for an empty input', () => {
    expect(matchIds('', candidates('a'))).toEqual([]);
  });
});

describe('unknown and ambiguous ids', () => {
  it('names the id, the cluster and the list command', () => {
    const err = thrown(() => resolveTask('nope', [task('hello', 'f1', 'TASK_RUNNING')], { ...ctx, where: "cluster 'dev'", clusterArg: ' --cluster dev' }));
    expect(err.code).toBe('UNKNOWN_ID');
    expect(err.message).toBe("no task 'nope' on cluster 'dev'; see `mesoscloud tasks --all --cluster dev`");
  });

  it('is a usage error (exit 2), as a bad flag is', () => {
    const err = thrown(() => resolveAgent('nope', [agent('S0')], ctx));
    expect(toCliError(err)).toMatchObject({ code: 'UNKNOWN_ID', message: "no agent 'nope' on cluster 'local'; see `mesoscloud agents`", oclif: { exit: EXIT.usage } });
  });

  it('says which ids an ambiguous prefix matches and how to narrow it', () => {
    const err = thrown(() => resolveAgent(MASTER.slice(0, 4), [agent('S0'), agent('S1')], ctx));
    expect(err.code).toBe('AMBIGUOUS_ID');
    expect(err.message).toContain(`${MASTER}-S0 (127.0.0.1)`);
    expect(err.message).toContain(`${MASTER}-S1 (127.0.0.1)`);
    expect(err.suggestions.join(' ')).toContain('give more of the id');
  });

  it('counts, rather than lists, a long run of matches', () => {
    const err = thrown(() => resolveId('t', candidates(...Array.from({ length: 25 }, (_, i) => `t${i}`)), { kind: 'task', where: "cluster 'local'", listCommand: 'x' }));
    expect(err.message).toContain('matches 25 tasks');
    expect(err.message).toContain('and 15 more');
  });
});

describe('tasks of the same id in several frameworks', () => {
  const tasks = [task('hello', 'f1', 'TASK_FINISHED'), task('hello', 'f2', 'TASK_RUNNING'), task('hello', 'f3', 'TASK_FAILED')];

  it('takes the one still live', () => {
    expect(resolveTask('hello', tasks, ctx).framework_id.value).toBe('f2');
  });

  it('asks for --framework when none or several are live', () => {
    const err = thrown(() => resolveTask('hello', tasks.filter((t) => t.framework_id.value !== 'f2'), ctx));
    expect(err.code).toBe('AMBIGUOUS_ID');
    expect(err.message).toContain('hello (framework f1, TASK_FINISHED)');
    expect(err.suggestions).toEqual(['pick one with --framework <framework id>']);
  });

  it('looks only in the framework given', () => {
    expect(resolveTask('hello', tasks, ctx, 'f3').state).toBe('TASK_FAILED');
    expect(thrown(() => resolveTask('hello', tasks, ctx, 'f9')).message).toContain('mesoscloud tasks --all --framework f9');
  });
});

describe('frameworks', () => {
  it('takes a framework by the part after the last dash, and the active one among several', () => {
    expect(resolveFramework('0001', [framework('0000'), framework('0001')], ctx, false).framework_info.name).toBe('fw-0001');
    expect(resolveFramework(MASTER, [framework('0000', false), framework('0001')], ctx, true).framework_info.name).toBe('fw-0001');
  });
});
