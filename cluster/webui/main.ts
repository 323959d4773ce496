/**
 * The web UI's entry point (bundled by scripts/build-webui.js into dist/webui/app.js): the shell
 * (navigation, connection state), hash routing to one view at a time, and the live store.
 */
import { apiAuth, metricsSnapshot, operatorCall } from './api';
import { authHeaders, loginAgain, loginForm, loginNeeded, takeToken } from './auth';
import { History } from './chart';
import { h, replace } from './dom';
import type { Agent } from './model';
import { refreshEvery } from './poll';
import { parseHash, routes, type Route } from './router';
import { clusterTotals } from './stats';
import { Store } from './store';
import { followCluster } from './live';
import type { AppContext, View, ViewFactory } from './view';
import { agentsView, agentView } from './views/agents';
import { frameworksView, frameworkView } from './views/frameworks';
import { offersView } from './views/offers';
import { overviewView } from './views/overview';
import { rolesView } from './views/roles';
import { tasksView } from './views/tasks';
import { taskView } from './views/task';

const SAMPLE_MS = 5_000;
/** Offered and drain figures are not in the event stream; views that show them refresh agents this often. */
const AGENT_REFRESH_MS = 10_000;

interface Page { key: string; label: string; href: string; count?: (store: Store) => string }

const PAGES: Page[] = [
  { key: '', label: 'Overview', href: routes.overview() },
  { key: 'agents', label: 'Agents', href: routes.agents(), count: (s) => String(s.agents.size) },
  { key: 'frameworks', label: 'Frameworks', href: routes.frameworks(), count: (s) => String(s.frameworks.size) },
  { key: 'tasks', label: 'Tasks', href: routes.tasks(), count: (s) => String(s.tasks.size) },
  { key: 'roles', label: 'Roles', href: routes.roles() },
  { key: 'offers', label: 'Offers', href: routes.offers() },
];

function pick(route: Route): { factory: ViewFactory; refreshAgents: boolean } {
  const [first, second, third] = route.parts;
  switch (first) {
    case undefined: return { factory: overviewView, refreshAgents: true };
    case 'agents': return { factory: second ? agentView : agentsView, refreshAgents: true };
    case 'frameworks': return { factory: second ? frameworkView : frameworksView, refreshAgents: false };
    case 'tasks': return { factory: second && third ? taskView : tasksView, refreshAgents: false };
    case 'roles': return { factory: rolesView, refreshAgents: false };
    case 'offers': return { factory: offersView, refreshAgents: false };
    default: return { factory: notFound, refreshAgents: false };
  }
}

const notFound: ViewFactory = (_ctx, route) => ({
  el: h('div', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, `Nothing lives at #/${route.parts.join('/')}. `, h('a', { href: routes.overview() }, 'Back to the overview'))),
  update: () => undefined,
});

function start(): void {
  const store = new Store();
  const history = new History();
  const ctx: AppContext = { store, history };
  const content = h('main', { class: 'content', id: 'content' });
  const navLinks = PAGES.map((page) => {
    const count = h('span', { class: 'count' });
    const a = h('a', { href: page.href, 'data-page': page.key }, h('span', null, page.label), count);
    return { page, a, count };
  });
  const clusterName = h('span', { class: 'cluster-name' });
  const connection = h('span', { class: 'connection', 'data-testid': 'connection' });
  const shell = h('div', { class: 'shell' },
    h('aside', { class: 'sidebar' },
      h('a', { class: 'brand', href: routes.overview() }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'mesoscloud'),
      clusterName,
      h('nav', { class: 'nav', 'aria-label': 'Main' }, navLinks.map((n) => n.a)),
      h('div', { class: 'sidebar-foot' }, connection)),
    content);
  document.body.append(shell);

  let view: View | undefined;
  let stopAgentRefresh: (() => void) | undefined;
  const show = () => {
    const route = parseHash(location.hash);
    view?.dispose?.();
    stopAgentRefresh?.();
    stopAgentRefresh = undefined;
    const { factory, refreshAgents } = pick(route);
    view = factory(ctx, route);
    replace(content, view.el);
    content.scrollTop = 0;
    for (const n of navLinks) n.a.classList.toggle('active', n.page.key === (route.parts[0] ?? ''));
    if (refreshAgents) {
      stopAgentRefresh = refreshEvery(AGENT_REFRESH_MS, async (signal) => {
        if (!store.loaded) return;
        const [agents, metrics] = await Promise.all([
          operatorCall<{ get_agents?: { agents?: Agent[] } }>('GET_AGENTS', {}, signal),
          metricsSnapshot(signal).catch(() => undefined),
        ]);
        store.refreshAgents(agents.get_agents?.agents ?? []);
        store.setUnreachableAgents(metrics?.['master/slaves_unreachable']);
      });
    }
  };

  const drawShell = () => {
    for (const n of navLinks) replace(n.count, n.page.count && store.loaded ? n.page.count(store) : '');
    replace(clusterName, store.master.cluster ?? '');
    document.title = store.master.cluster ? `${store.master.cluster} · mesoscloud` : 'mesoscloud';
    const live = store.connection === 'live';
    connection.className = `connection ${store.connection}`;
    connection.title = store.connectionError ?? '';
    replace(connection, h('i'), live ? 'Live' : store.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…');
  };

  const sample = () => {
    if (!store.loaded) return;
    const t = clusterTotals(store);
    const frac = (a: number, b: number) => (b > 0 ? a / b : 0);
    history.add({ at: Date.now(), values: { cpus: frac(t.allocated.cpus, t.total.cpus), mem: frac(t.allocated.mem, t.total.mem), disk: frac(t.allocated.disk, t.total.disk) } }, SAMPLE_MS);
  };

  store.onChange(() => {
    sample();
    drawShell();
    view?.update();
  });
  setInterval(() => {
    sample();
    view?.update();
  }, SAMPLE_MS);
  window.addEventListener('hashchange', show);
  drawShell();
  show();
  followCluster(store);
}

/** Logs in first when the master wants credentials (auth.ts), then starts the app. */
async function boot(): Promise<void> {
  takeToken();
  apiAuth.headers = authHeaders;
  apiAuth.onUnauthorized = loginAgain;
  if (!(await loginNeeded().catch(() => false))) {
    start();
    return;
  }
  const form = loginForm(() => {
    form.remove();
    start();
  });
  document.body.append(form);
}

void boot();
