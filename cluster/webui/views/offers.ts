/** Offers outstanding: what each framework holds and has not yet accepted or declined. */
import { operatorCall } from '../api';
import { DataTable, errorBox, link, mono, pageHeader, section } from '../components';
import { h, replace } from '../dom';
import { cpus, megabytes, ports, scalars } from '../format';
import type { Offer, OperatorFramework } from '../model';
import { refreshEvery } from '../poll';
import { routes } from '../router';
import { agentName } from '../stats';
import type { AppContext, View } from '../view';

const REFRESH_MS = 5_000;

export function offersView(ctx: AppContext): View {
  const { store } = ctx;
  const count = h('span');
  const table = new DataTable<Offer>([
    { title: 'Offer', cell: (o) => mono(o.id.value), sort: (o) => o.id.value, className: 'col-id' },
    { title: 'Framework', cell: (o) => link(routes.framework(o.framework_id.value), store.findFramework(o.framework_id.value)?.framework_info.name ?? o.framework_id.value), sort: (o) => o.framework_id.value },
    { title: 'Agent', cell: (o) => link(routes.agent(o.agent_id.value), agentName(store, o.agent_id.value)), sort: (o) => o.hostname },
    { title: 'CPUs', cell: (o) => cpus(scalars(o.resources).cpus), sort: (o) => scalars(o.resources).cpus, className: 'num' },
    { title: 'Mem', cell: (o) => megabytes(scalars(o.resources).mem), sort: (o) => scalars(o.resources).mem, className: 'num' },
    { title: 'Disk', cell: (o) => megabytes(scalars(o.resources).disk), sort: (o) => scalars(o.resources).disk, className: 'num' },
    { title: 'Ports', cell: (o) => ports(o.resources) },
  ], { empty: 'No outstanding offers.', testId: 'offers', sortBy: 1 });
  const status = h('div');
  const el = h('div', { class: 'page' }, pageHeader('Offers', count), status, section(h('span', null, 'Outstanding offers ', h('small', null, `refreshed every ${REFRESH_MS / 1000} s`)), table.el));
  const stop = refreshEvery(REFRESH_MS, async (signal) => {
    try {
      const res = await operatorCall<{ get_frameworks?: { frameworks?: OperatorFramework[] } }>('GET_FRAMEWORKS', {}, signal);
      const frameworks = res.get_frameworks?.frameworks ?? [];
      store.refreshFrameworks(frameworks);
      const offers = frameworks.flatMap((f) => f.offers ?? []);
      replace(count, `${offers.length} outstanding`);
      replace(status);
      table.update(offers);
    } catch (err) {
      if (!signal.aborted) replace(status, errorBox(`Could not read offers: ${(err as Error).message}`));
    }
  });
  return { el, update: () => undefined, dispose: stop };
}
