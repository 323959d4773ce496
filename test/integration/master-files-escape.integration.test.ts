/**
 * A task cannot escape its sandbox, nor reach another framework's, through the master's sandbox
 * proxy (GET /files/download, READ_FILE, LIST_FILES): the symlink-swap race through the master, and
 * the path tricks a virtual path allows. The agent refuses; the master passes its 403 and 404 on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { request } from '../helpers/http';
import { checkRaceAnswer, layOutRace, race, Swapper } from '../helpers/sandbox-race';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

describe('master: a task cannot escape its sandbox through the proxy', () => {
  let cluster: TestCluster;
  const schedulers: RawScheduler[] = [];
  let scratch: string;
  /** Directories on the agent, and virtual paths through the master, of tasks a (framework A) and b (framework B). */
  const dirs: Record<string, string> = {};
  const virtual: Record<string, string> = {};

  const operator = (body: unknown) => request(`${cluster.url}/api/v1`, { body });
  const download = (file: string) => request(`${cluster.url}/files/download?path=${encodeURIComponent(file)}`);
  const readFile = (file: string) => operator({ type: 'READ_FILE', read_file: { path: file, offset: 0 } });

  async function launch(name: string): Promise<void> {
    const scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name }))).autoAcknowledge();
    schedulers.push(scheduler);
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, name, `echo ${name}-output; sleep 1000`)], { refuse_seconds: 0 });
    await scheduler.update(name, 'TASK_RUNNING');
    virtual[name] = `/frameworks/${encodeURIComponent(scheduler.frameworkId)}/tasks/${name}`;
    const state = (await (await fetch(`${cluster.agents[0].url}/state`)).json()) as any;
    dirs[name] = state.frameworks.flatMap((f: any) => f.executors).find((e: any) => e.id === name).directory;
  }

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'master-files-escape-'));
    cluster = await startCluster({ agents: 1 });
    await launch('a');
    await launch('b');
  }, 60_000);

  afterAll(async () => {
    for (const scheduler of schedulers) scheduler.close();
    await cluster?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('the symlink-swap race through /files/download and READ_FILE: never the secret, never 5xx', async () => {
    const layout = layOutRace(dirs.a, path.join(scratch, 'outside'));
    const files = ['d/data', 'f'];
    const swapper = await Swapper.start(dirs.a);
    const { tally, failures } = await race(
      1200,
      6,
      async (i) => {
        const file = `${virtual.a}/${files[i % 2]}`;
        if (i % 3 === 2) {
          const res = await readFile(file);
          return { label: `READ_FILE ${files[i % 2]}`, answer: { status: res.status, text: res.text } };
        }
        const res = await download(file);
        return { label: `download ${files[i % 2]}`, answer: { status: res.status, text: res.text } };
      },
      (label, answer) =>
        checkRaceAnswer(layout, answer, label.startsWith('READ_FILE')
          ? (t) => Buffer.from((JSON.parse(t) as { read_file: { data: string } }).read_file.data, 'base64').toString('utf8')
          : undefined),
    );
    const swaps = await swapper.stop();
    process.stdout.write(`master proxy race: 1200 requests, ${swaps} swaps of each name: ${JSON.stringify(tally)}\n`);
    expect(failures).toEqual([]);
    expect(Object.keys(tally).some((key) => / 200$/.test(key))).toBe(true);
    expect(Object.keys(tally).some((key) => / 403$/.test(key))).toBe(true);
  }, 60_000);

  test("a link into another framework's sandbox is refused with 403 and not listed", async () => {
    fs.symlinkSync(dirs.b, path.join(dirs.a, 'to-b'));
    fs.symlinkSync(path.join(dirs.b, 'stdout'), path.join(dirs.a, 'b-stdout'));
    for (const file of [`${virtual.a}/to-b/stdout`, `${virtual.a}/b-stdout`]) {
      const viaDownload = await download(file);
      expect([file, viaDownload.status]).toEqual([file, 403]);
      const viaRead = await readFile(file);
      expect([file, viaRead.status, viaRead.text]).toEqual([file, 403, expect.stringContaining('outside')]);
      expect(viaRead.text + viaDownload.text).not.toContain('b-output');
    }
    const listing = await operator({ type: 'LIST_FILES', list_files: { path: `${virtual.a}/to-b` } });
    expect(listing.status).toBe(403);
    const top = JSON.parse((await operator({ type: 'LIST_FILES', list_files: { path: virtual.a } })).text);
    const names = top.list_files.file_infos.map((f: { path: string }) => path.posix.basename(f.path));
    expect(names).toContain('stdout');
    expect(names).not.toContain('to-b');
    expect(names).not.toContain('b-stdout');
  });

  test('.., encoded slashes and absolute paths inside a virtual path stay in the sandbox', async () => {
    const climb = await readFile(`${virtual.a}/../../b/stdout`);
    expect(climb.status).toBe(400);
    const climbDownload = await download(`${virtual.a}/../../../${virtual.b}/stdout`);
    expect(climbDownload.status).toBe(400);
    // An encoded slash in the task id is part of the id: no such task.
    expect((await readFile(`${virtual.a}%2F..%2F..%2Fb/stdout`)).status).toBe(404);
    // In the path inside the sandbox it is part of a file name: no such file.
    expect((await readFile(`${virtual.a}/..%2F..%2F..%2Fb%2Fstdout`)).status).toBe(404);
    expect((await download(`${virtual.a}/..%2Fb%2Fstdout`)).status).toBe(404);
    // A doubled slash does not make an absolute path: /etc/passwd inside the sandbox, which is missing.
    const absolute = await readFile(`${virtual.a}//etc/passwd`);
    expect(absolute.status).toBe(404);
    expect(absolute.text).not.toContain('root:x:0:0');
    // The file exists in b's own sandbox, by its own path.
    const own = JSON.parse((await readFile(`${virtual.b}/stdout`)).text);
    expect(Buffer.from(own.read_file.data, 'base64').toString('utf8')).toContain('b-output');
  });

  test('a file deleted between listing and reading answers 404', async () => {
    fs.writeFileSync(path.join(dirs.a, 'brief'), 'brief');
    const listing = JSON.parse((await operator({ type: 'LIST_FILES', list_files: { path: virtual.a } })).text);
    expect(listing.list_files.file_infos.map((f: { path: string }) => f.path)).toContain(`${virtual.a}/brief`);
    fs.rmSync(path.join(dirs.a, 'brief'));
    expect((await readFile(`${virtual.a}/brief`)).status).toBe(404);
    expect((await download(`${virtual.a}/brief`)).status).toBe(404);
  });
});
