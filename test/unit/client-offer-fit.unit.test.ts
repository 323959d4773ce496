import { askVariants, chooseOffer, describeUnsatisfiable, judgeCapacity } from '../../cluster/client/offer-fit';
import type { OperatorAgent } from '../../cluster/protocol/operator';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer } from '../../cluster/protocol/types';

function offer(id: string, text: string, role = '*'): Offer {
  return {
    id: { value: id }, framework_id: { value: 'f' }, agent_id: { value: `agent-${id}` }, hostname: 'h',
    resources: Resources.parse(text).toV1(role), allocation_info: { role },
  };
}

function agent(id: string, text: string): OperatorAgent {
  return { agent_info: { id: { value: id }, hostname: `${id}.local`, resources: [] }, active: true, total_resources: Resources.parse(text).toV1() };
}

describe('chooseOffer', () => {
  const ask = askVariants('cpus:1;mem:128', '*');

  it('GIVEN offers where only the second fits WHEN choosing THEN it takes that one and returns the others', () => {
    const small = offer('1', 'cpus:0.5;mem:1024');
    const big = offer('2', 'cpus:2;mem:2048;ports:[31000-31010]');
    const also = offer('3', 'cpus:4;mem:4096');
    const choice = chooseOffer([small, big, also], ask, '*');
    expect(choice.chosen?.offer.id.value).toBe('2');
    expect(choice.rest.map((o) => o.id.value)).toEqual(['1', '3']);
  });

  it('gives the task exactly the requested resources, never ports', () => {
    const choice = chooseOffer([offer('1', 'cpus:2;mem:2048;ports:[31000-32000]')], ask, '*');
    const task = Resources.fromV1(choice.chosen!.taskResources);
    expect(task.equals(Resources.parse('cpus:1;mem:128'))).toBe(true);
  });

  it('declines everything when nothing fits', () => {
    const choice = chooseOffer([offer('1', 'cpus:0.5;mem:64')], ask, '*');
    expect(choice.chosen).toBeUndefined();
    expect(choice.rest).toHaveLength(1);
  });

  it('uses resources reserved to the role when the unreserved ones do not suffice', () => {
    const reserved: Offer = { ...offer('1', 'cpus(dev):2;mem(dev):512', 'dev') };
    const choice = chooseOffer([reserved], askVariants('cpus:1;mem:128', 'dev'), 'dev');
    expect(choice.chosen).toBeDefined();
    expect(Resources.fromV1(choice.chosen!.taskResources).reservedTo('dev').scalar('cpus')).toBe(1);
  });
});

describe('judgeCapacity', () => {
  const ask = askVariants('cpus:1000;mem:128', '*');

  it('knows when no agent could ever hold the ask, and names the largest agent', () => {
    const verdict = judgeCapacity([agent('a1', 'cpus:2;mem:2048'), agent('a2', 'cpus:4;mem:1024')], ask, '*');
    expect(verdict.canEverFit).toBe(false);
    expect(verdict.largest?.agentId).toBe('a2');
    const message = describeUnsatisfiable('cpus:1000;mem:128', ask[0], verdict);
    expect(message).toContain('cpus:1000');
    expect(message).toContain('a2');
    expect(message).toContain('cpus 1000 > 4');
  });

  it('says the ask fits when an idle agent could take it', () => {
    expect(judgeCapacity([agent('a1', 'cpus:2;mem:2048')], askVariants('cpus:2;mem:2048', '*'), '*').canEverFit).toBe(true);
  });

  it('reports zero agents without deciding that nothing fits', () => {
    expect(judgeCapacity([], ask, '*')).toEqual({ canEverFit: false, agentCount: 0, volumeFound: true, largest: undefined });
  });
});
