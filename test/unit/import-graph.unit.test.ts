/**
 * The source's import graph: no circle anywhere, and the arrows between parts point one way.
 * Every relative import counts (`import type` too, `export ... from`, `import('...')`), as a reader
 * following them would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const TREES = ['cluster', 'cli', 'daemon', 'infra', 'ami', 'bench', 'test'];

type Graph = Map<string, string[]>;

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(path.join(ROOT, dir))) return out;
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') sourceFiles(rel, out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** `spec` imported by `from`, as a file of the repository (x.ts or x/index.ts); undefined if not a relative import of one. */
function resolveImport(from: string, spec: string, files: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

function importGraph(): Graph {
  const files = TREES.flatMap((tree) => sourceFiles(tree));
  const known = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = info.importedFiles.map((f) => resolveImport(file, f.fileName, known)).filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One circle per strongly connected group of files, each as the path around it (first file repeated at the end). */
function findCycles(graph: Graph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

interface Rule {
  /** Files the rule is about. */
  from: RegExp;
  /** What they may not import. */
  forbidden: RegExp;
  /** Imports allowed even though `forbidden` matches them. */
  except?: RegExp;
  why: string;
}

const MASTER = 'cluster/master';
const RULES: Rule[] = [
  { from: /^cluster\/protocol\//, forbidden: /^cluster\/(?!protocol\/|util\/)/, why: 'the protocol stands on nothing but util' },
  { from: /^cluster\/util\//, forbidden: /^cluster\/(?!util\/)/, why: 'util is the bottom layer' },
  { from: /^cluster\/flags\//, forbidden: /^cluster\/(?!flags\/|protocol\/|util\/)/, why: 'flag tables parse values with the protocol and nothing more' },
  { from: /^cluster\/authz\//, forbidden: /^cluster\/(?!authz\/|protocol\/|util\/)/, why: 'the authorizer decides from the ACLs and the protocol\'s messages alone' },
  { from: /^cluster\/allocator\//, forbidden: /^cluster\/(?!allocator\/|protocol\/|util\/)/, why: 'the allocator knows only the protocol' },
  {
    from: /^cli\//, forbidden: /^cluster\/(master|agent)\//, except: /^cluster\/(master|agent)\/(index|options)\.ts$/,
    why: 'the CLI starts the daemons through their entry points and reads only their option tables',
  },
  {
    from: /^infra\//, forbidden: /^cluster\/(?!client\/|protocol\/|zookeeper\/)/,
    why: 'the launcher reaches a cluster through the client and the protocol (and finds ZooKeeper as the daemon bundle does)',
  },
  // Inside the master: util <- state <- (context, core) <- views <- api, ha <- index.
  { from: /^cluster\/master\/util\//, forbidden: /^cluster\/master\/(?!util\/)/, why: 'master/util needs no other part of the master' },
  {
    from: /^cluster\/master\/state\//, forbidden: /^cluster\/master\/(core|index)\.ts$|^cluster\/master\/(api|views|ha)\//,
    why: 'state is what the rest is built on; it reaches nothing above it',
  },
  { from: /^cluster\/master\/context\.ts$/, forbidden: /^cluster\/master\/(?!state\/(records|events)\.ts$|options\.ts$)/, why: 'the context names only the records and the event types' },
  { from: /^cluster\/master\/core\.ts$/, forbidden: /^cluster\/master\/(index\.ts|(api|views|ha)\/)/, why: 'the core is the managers, not their views or routes' },
  { from: /^cluster\/master\/views\//, forbidden: /^cluster\/master\/(index\.ts|(api|ha)\/)/, why: 'views render the state; they serve nothing' },
  { from: /^cluster\/master\/api\//, forbidden: /^cluster\/master\/(index\.ts|ha\/)/, why: 'the HTTP side does not reach into leadership' },
  { from: /^cluster\/master\/ha\//, forbidden: /^cluster\/master\/(index\.ts|(api|views)\/)/, why: 'leadership needs the core, not its HTTP side' },
  { from: /^cluster\/(?!master\/)/, forbidden: new RegExp(`^${MASTER}/`), except: /^$/, why: 'only the entry points import the master' },
  { from: /^cluster\/zookeeper\//, forbidden: /^cluster\/(?!zookeeper\/|util\/)/, why: 'finding and asking ZooKeeper needs nothing of ours' },
  // Between the top-level parts: cluster <- daemon (the bundle's entry) and cluster <- infra <- cli; tests and benchmarks on top.
  { from: /^cluster\//, forbidden: /^(cli|daemon|infra|bench|test)\//, why: 'the cluster knows nothing of who starts or tests it' },
  { from: /^daemon\//, forbidden: /^(cli|infra|bench|test)\//, why: 'the daemon bundle carries the cluster, not the launcher' },
  { from: /^infra\//, forbidden: /^(cli|daemon|ami|bench|test)\//, why: 'the launcher deploys the built bundle; it does not import it' },
  { from: /^infra\/aws\//, forbidden: /^infra\/(?!aws\/|plan\/)/, why: 'the AWS layout is pure: plans in, plain data out' },
  { from: /^infra\/pulumi\//, forbidden: /^infra\/(?!pulumi\/|aws\/|plan\/)/, why: 'the Pulumi program turns the layout into resources and reaches nothing else' },
  { from: /^ami\//, forbidden: /^(cli|daemon|bench|test)\/|^cluster\/(?!client\/|protocol\/)/, why: 'building images uses the launcher, never the daemons\' insides' },
  { from: /^cli\//, forbidden: /^(bench|test)\//, why: 'the CLI ships without tests and benchmarks' },
  { from: /^test\//, forbidden: /^bench\//, why: 'shared test code lives in test/helpers; benchmarks may import it, not the other way' },
  { from: /^test\/helpers\//, forbidden: /^test\/(?!helpers\/)/, why: 'helpers serve the suites; they import none' },
];

function violations(graph: Graph, rules: Rule[]): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    for (const rule of rules) {
      if (!rule.from.test(file)) continue;
      for (const target of targets) {
        if (rule.forbidden.test(target) && !rule.except?.test(target)) out.push(`${file} -> ${target} (${rule.why})`);
      }
    }
  }
  return out.sort();
}

describe('the import graph', () => {
  const graph = importGraph();

  it('sees the source (the parsing finds the imports it must)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('cluster/master/index.ts')).toContain('cluster/master/core.ts');
    // A dynamic import counts.
    expect(graph.get('daemon/main.ts')).toContain('cluster/master/index.ts');
  });

  it('has no circle anywhere in the source, the tests or the benchmarks', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('keeps the arrows pointing one way', () => {
    expect(violations(graph, RULES)).toEqual([]);
  });

  it('would see a circle, and an arrow the wrong way', () => {
    const circle: Graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCycles(circle)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(new Map([['a.ts', ['a.ts']]]))).toEqual([['a.ts', 'a.ts']]);
    expect(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
    const wrongWay: Graph = new Map([['cluster/master/state/tasks.ts', ['cluster/master/core.ts']]]);
    expect(violations(wrongWay, RULES)).toEqual([
      'cluster/master/state/tasks.ts -> cluster/master/core.ts (state is what the rest is built on; it reaches nothing above it)',
    ]);
  });
});
