/**
 * A local cluster launched with no --agent-resources splits the machine between its agents: what the
 * master's /state shows as the cluster's total is one machine (cpus aside, where each agent gets at
 * least one), not one machine per agent. The built CLI, as a user runs it, on a free master port.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import { reservedMemMb } from '../../infra/providers/local-share';
import { ensureBuilt, runCli, type CliResult } from '../helpers/run-cli';
import { getJson } from '../helpers/http';

const CLUSTER = 'e2e-share';
const AGENTS = 3;

let dataHome: string;

function cli(args: string[]): Promise<CliResult> {
  return runCli([...args, '--cluster', CLUSTER], { dataHome, timeoutMs: 90_000 });
}

beforeAll(() => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-e2e-share-'));
});

afterAll(async () => {
  if (dataHome) {
    await cli(['destroy']).catch(() => undefined);
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}, 60_000);

interface StateAgent { resources: { cpus: number; mem: number; disk: number } }

describe('a local cluster splits the machine between its agents', () => {
  it(`launch --agents ${AGENTS} gives each agent an equal share, and /state adds up to one machine`, async () => {
    const masterPort = await freePort();
    // Plain output first: the progress lines (stderr) say what each agent gets.
    const r = await cli(['launch', '--agents', String(AGENTS), '--master-port', String(masterPort)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Each of the ${AGENTS} agents gets cpus:[\\d.]+;mem:\\d+;disk:\\d+ of this machine`));
    // --json (a launch of the running cluster) carries what each agent registered with: the same share for all.
    const again = await cli(['launch', '--json']);
    expect(again.code).toBe(0);
    const launched = JSON.parse(again.stdout) as { master_url: string; agents: { resources: string }[] };
    expect(launched.agents).toHaveLength(AGENTS);
    expect(new Set(launched.agents.map((a) => a.resources.replace(/;ports:\[\d+-\d+\]$/, ''))).size).toBe(1);

    const state = await getJson<{ slaves: StateAgent[] }>(`${launched.master_url}/state`);
    expect(state.slaves).toHaveLength(AGENTS);
    const sum = (key: keyof StateAgent['resources']) => state.slaves.reduce((acc, a) => acc + a.resources[key], 0);
    const memMb = Math.floor(os.totalmem() / 2 ** 20);
    expect(sum('mem')).toBeLessThanOrEqual(memMb - reservedMemMb(memMb));
    expect(sum('mem')).toBeGreaterThan((memMb - reservedMemMb(memMb)) - AGENTS);
    const diskFreeMb = (() => {
      const s = fs.statfsSync(dataHome);
      return (Number(s.bavail) * Number(s.bsize)) / 2 ** 20;
    })();
    // Free space moves while the cluster writes its files; the share was taken from it at launch.
    expect(sum('disk')).toBeLessThanOrEqual(diskFreeMb + 64);
    const cpus = os.availableParallelism();
    for (const agent of state.slaves) expect(agent.resources.cpus).toBe(Math.max(1, Math.floor((cpus * 1000) / AGENTS) / 1000));
    if (cpus < AGENTS) {
      expect(r.stderr).toContain(`${AGENTS} agents share ${cpus} CPU${cpus === 1 ? '' : 's'}: each advertises 1 (at least one CPU each so a one-CPU task fits)`);
    } else {
      expect(sum('cpus')).toBeLessThanOrEqual(cpus);
      expect(r.stderr).not.toContain('at least one CPU each');
    }
  }, 120_000);
});
