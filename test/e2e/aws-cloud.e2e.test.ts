/**
 * The AWS provider against a real EC2 API: LocalStack (MESOSCLOUD_E2E_LOCALSTACK=http://localhost:4566)
 * or AWS itself (MESOSCLOUD_E2E_AWS=1, with credentials in the environment and MESOSCLOUD_E2E_AWS_REGION,
 * default us-east-1), both through the real Pulumi CLI, which must be on PATH. Where neither is
 * available (as on the machines the project's CI runs on), every test reports itself skipped with
 * the reason. AWS bills what this launches for the few minutes it runs: 1 master and 1 agent of the
 * smallest types, destroyed at the end (and swept by tag).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, hasStackTrace, runCli, type CliResult } from '../helpers/run-cli';

const LOCALSTACK = process.env.MESOSCLOUD_E2E_LOCALSTACK;
const AWS = process.env.MESOSCLOUD_E2E_AWS === '1';
const REGION = process.env.MESOSCLOUD_E2E_AWS_REGION ?? 'us-east-1';
const CLUSTER = `e2e-${process.pid}`;

function pulumiOnPath(): boolean {
  try {
    execFileSync('pulumi', ['version'], { stdio: 'pipe', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const skipReason = !LOCALSTACK && !AWS
  ? 'neither MESOSCLOUD_E2E_LOCALSTACK (a LocalStack URL) nor MESOSCLOUD_E2E_AWS=1 is set'
  : !pulumiOnPath() ? 'the Pulumi CLI is not on PATH (curl -fsSL https://get.pulumi.com | sh)' : undefined;

jest.setTimeout(1_200_000);
let dataHome: string;

async function cli(args: string[]): Promise<CliResult> {
  const env: Record<string, string> = { AWS_REGION: REGION, ...(LOCALSTACK ? { MESOSCLOUD_AWS_ENDPOINT: LOCALSTACK, AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' } : {}) };
  const r = await runCli(args, { dataHome, env, timeoutMs: 1_000_000 });
  expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  return r;
}

if (skipReason) {
  describe('the AWS provider against LocalStack or AWS', () => {
    test.skip(`skipped: ${skipReason}`, () => undefined);
  });
} else {
  describe(`the AWS provider against ${LOCALSTACK ? `LocalStack at ${LOCALSTACK}` : `AWS in ${REGION}`}`, () => {
    beforeAll(() => {
      ensureBuilt();
      dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-aws-cloud-'));
    });
    afterAll(async () => {
      // Whatever happened above, nothing may stay billed.
      await cli(['destroy', '--cluster', CLUSTER]);
      fs.rmSync(dataHome, { recursive: true, force: true });
    });

    test('launch provisions the stack and finds its instances by tag', async () => {
      const smallest = ['--instance-type', 't3.small', '--master-instance-type', 't3.small', '--volume-size', '8'];
      const r = await cli(['launch', '--provider', 'aws', '--cluster', CLUSTER, '--agents', '1', ...smallest, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.instances.map((i: { name: string }) => i.name).sort()).toEqual(['agent-0', 'master-0']);
      // LocalStack's instances are records without machines: no bootstrap there.
      expect(out.bootstrapped).toBe(!LOCALSTACK);
    });

    test('clusters --provider aws lists it from EC2', async () => {
      const r = await cli(['clusters', '--provider', 'aws', '--region', REGION, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).clusters.map((c: { name: string }) => c.name)).toContain(CLUSTER);
    });

    (AWS ? test : test.skip)('exec runs a task on it (AWS only)', async () => {
      const r = await cli(['exec', '--cluster', CLUSTER, '--name', 'hello', '--command', 'echo hello world', '--resources', 'cpus:0.1;mem:32']);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toContain('TASK_FINISHED');
    });

    test('destroy leaves nothing tagged for the cluster', async () => {
      const r = await cli(['destroy', '--cluster', CLUSTER, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).left).toEqual([]);
      const after = await cli(['clusters', '--provider', 'aws', '--region', REGION, '--json']);
      const still = JSON.parse(after.stdout).clusters.find((c: { name: string }) => c.name === CLUSTER);
      expect(still?.instances.filter((i: { state: string }) => i.state !== 'terminated') ?? []).toEqual([]);
    });
  });
}
