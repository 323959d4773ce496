/** The operator settings object a new leader restores: JSON round trip and re-application to the allocator. */
import { createAllocator } from '../../cluster/allocator';
import { Resources } from '../../cluster/protocol/resources';
import { ClusterSettings, type ClusterSettingsJson } from '../../cluster/master/state/cluster-settings';

describe('cluster settings', () => {
  test('GIVEN weights, quota and maintenance WHEN restored on another master THEN the JSON and the allocator agree', () => {
    const first = new ClusterSettings(createAllocator());
    const seen: ClusterSettingsJson[] = [];
    first.onChange((json) => seen.push(json));
    first.updateWeights([{ role: 'web', weight: 2 }]);
    first.updateQuotas([{ role: 'batch', limits: { cpus: { value: 1 } } }]);
    first.setAgent('a1', { deactivated: true, drain: { state: 'DRAINING', config: { mark_gone: true } } });
    first.markGone('a2');
    expect(seen).toHaveLength(4);

    const allocator = createAllocator();
    allocator.addAgent({ id: 'x', hostname: 'x', total: Resources.parse('cpus:4;mem:100') });
    allocator.addFramework({ id: 'f', roles: ['batch'] });
    const second = new ClusterSettings(allocator);
    second.restore(JSON.parse(JSON.stringify(first)));

    expect(second.toJSON()).toEqual(first.toJSON());
    expect(second.weight('web')).toBe(2);
    expect(second.isGone('a2')).toBe(true);
    expect(second.agent('a1')?.drain?.state).toBe('DRAINING');
    expect(allocator.allocate(0).reduce((s, a) => s + a.resources.scalar('cpus'), 0)).toBe(1);
  });

  test('a quota config without guarantees and limits removes the quota; garbage restores to empty', () => {
    const settings = new ClusterSettings(createAllocator());
    settings.updateQuotas([{ role: 'r', guarantees: { cpus: { value: 1 } } }]);
    settings.updateQuotas([{ role: 'r' }]);
    expect(settings.quotas()).toEqual([]);
    settings.restore('not settings');
    expect(settings.toJSON()).toEqual({ weights: [], quotas: [], agents: {}, gone: [], machines: { schedule: { windows: [] }, machines: [] } });
  });
});
