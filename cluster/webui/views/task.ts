/** One task: what it is, its status history, and its sandbox (files, live stdout/stderr, downloads). */
import { operatorCall } from '../api';
import { DataTable, errorBox, healthBadge, keyValues, link, mono, pageHeader, section, stateBadge } from '../components';
import { latestHealth } from '../../protocol/task-health';
import { h, replace } from '../dom';
import { bytes, cpus, dateTime, megabytes, nanosToMs, ports, scalars, taskTimes, duration } from '../format';
import { isTerminal, type TaskStatus } from '../model';
import { routes, type Route } from '../router';
import { authenticatedDownload } from '../auth';
import { baseName, downloadUrl, isDirectory, listFiles, modeText, sandboxPath, type FileInfo } from '../sandbox';
import { agentName } from '../stats';
import { FileTail, keepTail } from '../tail';
import type { AppContext, View } from '../view';

export function taskView(ctx: AppContext, route: Route): View {
  const { store } = ctx;
  const [, frameworkId, taskId] = route.parts;
  const dir = route.query.get('dir') ?? '';
  const file = route.query.get('file');
  const header = h('div');
  const summary = h('div');
  const statuses = new DataTable<TaskStatus>([
    { title: 'State', cell: (s) => stateBadge(s.state) },
    { title: 'Time', cell: (s) => dateTime(s.timestamp === undefined ? undefined : s.timestamp * 1000), className: 'time' },
    { title: 'Source', cell: (s) => (s.source ?? '').replace('SOURCE_', '').toLowerCase() },
    { title: 'Health', cell: (s) => (s.healthy === undefined ? '' : healthBadge(s.healthy ? 'healthy' : 'unhealthy')) },
    { title: 'Check', cell: (s) => checkText(s), className: 'mono' },
    { title: 'Reason', cell: (s) => s.reason ?? '' },
    { title: 'Message', cell: (s) => s.message ?? '', className: 'wrap' },
  ], { empty: 'No status updates yet.' });
  const killButton = h('button', { class: 'button danger', type: 'button' }, 'Kill task');
  const sandbox = file ? fileViewer(frameworkId, taskId, file) : directoryListing(frameworkId, taskId, dir);
  const el = h('div', { class: 'page' }, header,
    h('div', { class: 'grid-2 wide-right' }, section('Task', summary), section('Status updates', statuses.el)),
    sandbox.el);

  killButton.addEventListener('click', async () => {
    if (!confirm(`Kill task ${taskId}?`)) return;
    killButton.setAttribute('disabled', '');
    try {
      await operatorCall('KILL_TASK', { kill_task: { task_id: { value: taskId }, framework_id: { value: frameworkId } } });
    } catch (err) {
      alert(`Could not kill the task: ${(err as Error).message}`);
      killButton.removeAttribute('disabled');
    }
  });

  const update = () => {
    const task = store.findTask(frameworkId, taskId);
    if (!task) {
      replace(header, pageHeader('Task', mono(taskId)), store.loaded ? errorBox(`The master knows no task ${taskId} of framework ${frameworkId}; it may have been pruned from the completed list.`) : '');
      replace(summary, '');
      statuses.update([]);
      return;
    }
    replace(header, pageHeader(h('span', null, task.name || task.task_id.value, stateBadge(task.state)), mono(taskId), isTerminal(task.state) ? null : killButton));
    const res = scalars(task.resources);
    const times = taskTimes(task);
    const framework = store.findFramework(frameworkId);
    replace(summary, keyValues([
      ['ID', mono(taskId)],
      ['Framework', link(routes.framework(frameworkId), framework?.framework_info.name ?? frameworkId)],
      ['Agent', link(routes.agent(task.agent_id.value), agentName(store, task.agent_id.value))],
      ['Executor', task.executor_id ? mono(task.executor_id.value) : 'command executor'],
      ['Role', task.role ?? ''],
      ['Health', healthBadge(latestHealth(task.statuses))],
      ['Resources', `cpus ${cpus(res.cpus)} · mem ${megabytes(res.mem)}${res.disk ? ` · disk ${megabytes(res.disk)}` : ''}${ports(task.resources) ? ` · ports ${ports(task.resources)}` : ''}`],
      ['Command', task.command?.value ? h('code', null, task.command.value) : ''],
      ['Started', dateTime(times.started)],
      ['Ended', times.ended ? `${dateTime(times.ended)}${times.started ? ` (ran ${duration(times.ended - times.started)})` : ''}` : ''],
    ]));
    statuses.update([...(task.statuses ?? [])].reverse());
    sandbox.taskState(task.state);
  };
  update();
  return { el, update, dispose: sandbox.dispose };
}

/** A general check's result as a few words: "exit 0", "HTTP 200", "TCP ok"; empty before the first. */
function checkText(s: TaskStatus): string {
  const c = s.check_status;
  if (c?.command?.exit_code !== undefined) return `exit ${c.command.exit_code}`;
  if (c?.http?.status_code !== undefined) return `HTTP ${c.http.status_code}`;
  if (c?.tcp?.succeeded !== undefined) return `TCP ${c.tcp.succeeded ? 'ok' : 'failed'}`;
  return '';
}

interface SandboxPart { el: HTMLElement; taskState(state: string): void; dispose(): void }

function crumbs(frameworkId: string, taskId: string, dir: string, file?: string): HTMLElement {
  const parts = dir.split('/').filter(Boolean);
  const out: (HTMLElement | string)[] = [link(routes.task(frameworkId, taskId), 'sandbox')];
  parts.forEach((part, i) => {
    out.push(' / ');
    out.push(link(routes.task(frameworkId, taskId, { dir: parts.slice(0, i + 1).join('/') }), part));
  });
  if (file) out.push(' / ', h('b', null, baseName(file)));
  return h('nav', { class: 'crumbs', 'aria-label': 'Sandbox path' }, out);
}

function directoryListing(frameworkId: string, taskId: string, dir: string): SandboxPart {
  const abort = new AbortController();
  const rel = (f: FileInfo) => [dir, baseName(f.path)].filter(Boolean).join('/');
  const table = new DataTable<FileInfo>([
    {
      title: 'Name',
      cell: (f) => isDirectory(f)
        ? link(routes.task(frameworkId, taskId, { dir: rel(f) }), `${baseName(f.path)}/`)
        : link(routes.task(frameworkId, taskId, { dir: dir || undefined, file: rel(f) }), baseName(f.path)),
      sort: (f) => `${isDirectory(f) ? 0 : 1}${baseName(f.path)}`,
    },
    { title: 'Size', cell: (f) => (isDirectory(f) ? '' : bytes(f.size ?? 0)), sort: (f) => f.size ?? 0, className: 'num' },
    { title: 'Modified', cell: (f) => dateTime(nanosToMs(f.mtime)), sort: (f) => f.mtime?.nanoseconds ?? 0, className: 'time' },
    { title: 'Mode', cell: (f) => h('span', { class: 'mono' }, modeText(f.mode)) },
    { title: '', cell: (f) => (isDirectory(f) ? '' : h('a', { href: downloadUrl(sandboxPath(frameworkId, taskId, rel(f))), download: baseName(f.path), onclick: authenticatedDownload }, 'Download')), className: 'actions-cell' },
  ], { empty: 'Empty directory.', sortBy: 0, testId: 'sandbox-files' });
  const status = h('div');
  const refresh = h('button', { class: 'button', type: 'button' }, 'Refresh');
  const load = () => {
    replace(status, h('p', { class: 'dim' }, 'Loading…'));
    listFiles(sandboxPath(frameworkId, taskId, dir), abort.signal).then((files) => {
      replace(status);
      table.update(files);
    }, (err: Error) => {
      if (abort.signal.aborted) return;
      replace(status, errorBox(`Could not list the sandbox: ${err.message}`));
      table.update([]);
    });
  };
  refresh.addEventListener('click', load);
  load();
  const el = h('section', { class: 'card', 'data-testid': 'sandbox' },
    h('div', { class: 'card-head' }, h('h2', null, 'Files'), crumbs(frameworkId, taskId, dir), h('span', { class: 'spacer' }), refresh),
    status, table.el);
  return { el, taskState: () => undefined, dispose: () => abort.abort() };
}

function fileViewer(frameworkId: string, taskId: string, file: string): SandboxPart {
  const path = sandboxPath(frameworkId, taskId, file);
  const dir = file.split('/').slice(0, -1).join('/');
  const output = h('pre', { class: 'file-output', 'data-testid': 'file-output', tabindex: 0 });
  const info = h('span', { class: 'dim' });
  const notice = h('div');
  const follow = h('input', { type: 'checkbox', checked: true });
  let text = '';
  let finished = false;
  const atBottom = () => output.scrollHeight - output.scrollTop - output.clientHeight < 24;
  const tail = new FileTail(path, {
    onText: (chunk, reset) => {
      const stick = reset || atBottom();
      text = keepTail(reset ? chunk : text + chunk);
      output.textContent = text;
      if (stick) output.scrollTop = output.scrollHeight;
    },
    onSize: (size) => replace(info, bytes(size)),
    onSkipped: (skipped) => replace(notice, skipped > 0 ? h('p', { class: 'dim' }, `The first ${bytes(skipped)} are not shown; download the file to see all of it.`) : ''),
    onError: (message) => replace(notice, errorBox(`Could not read ${baseName(file)}: ${message}`)),
  });
  follow.addEventListener('change', () => tail.setFollow(follow.checked));
  void tail.start(true);
  const others = ['stdout', 'stderr'].filter((name) => name !== file).map((name) => link(routes.task(frameworkId, taskId, { file: name }), name));
  const el = h('section', { class: 'card', 'data-testid': 'sandbox' },
    h('div', { class: 'card-head' }, h('h2', null, 'Files'), crumbs(frameworkId, taskId, dir, file), info, h('span', { class: 'spacer' }),
      dir === '' ? h('span', { class: 'switch-files' }, others) : null,
      h('label', { class: 'toggle' }, follow, ' Follow'),
      h('a', { class: 'button', href: downloadUrl(path), download: baseName(file), onclick: authenticatedDownload }, 'Download')),
    notice, output);
  return {
    el,
    // A finished task writes no more: one last read catches its final output, then following stops.
    taskState: (state) => {
      if (finished || !isTerminal(state)) return;
      finished = true;
      setTimeout(() => {
        follow.checked = false;
        tail.setFollow(false);
      }, 3000);
    },
    dispose: () => tail.stop(),
  };
}
