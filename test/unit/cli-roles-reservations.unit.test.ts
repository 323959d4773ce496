/**
 * `mesoscloud roles` with reservations: fixtures in the shape Mesos documents for GET_AGENTS'
 * `total_resources` (mesos.proto Resource: the `reservations` stack of Mesos 1.4+, and the older
 * `role` + `reservation` format) and GET_ROLES.
 */
import { buildRoleRows, renderRoles } from '../../cli/views/roles';
import type { OperatorAgent } from '../../cluster/protocol/operator';
import { summarizeReservations, volumeText, type ReservedResourceJson } from '../../cluster/protocol/reservation-summary';

const scalar = (name: string, value: number, extra: Partial<ReservedResourceJson> = {}): ReservedResourceJson => ({ name, type: 'SCALAR', scalar: { value }, ...extra });
const staticTo = (role: string) => ({ reservations: [{ type: 'STATIC', role }] });
const dynamicTo = (role: string, principal: string, labels?: { key: string; value?: string }[]) =>
  ({ reservations: [{ type: 'DYNAMIC', role, principal, ...(labels ? { labels: { labels } } : {}) }] });

/** An agent as GET_AGENTS lists it (post-refinement format, as for a client with RESERVATION_REFINEMENT). */
const agentA = {
  agent_info: { id: { value: 'S1' }, hostname: 'host-a', resources: [] },
  active: true,
  total_resources: [
    scalar('cpus', 2),
    scalar('mem', 1024),
    scalar('cpus', 1, staticTo('eng')),
    scalar('mem', 256, staticTo('eng')),
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] }, ...staticTo('eng') },
    scalar('cpus', 0.5, dynamicTo('db', 'ops', [{ key: 'team', value: 'data' }])),
    scalar('disk', 1024, dynamicTo('db', 'ops', [{ key: 'team', value: 'data' }])),
    scalar('disk', 512, {
      ...dynamicTo('db', 'ops', [{ key: 'team', value: 'data' }]),
      disk: { persistence: { id: 'pg-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    }),
  ],
} as unknown as OperatorAgent;

/** Another agent in the pre-refinement format Mesos writes for older clients: `role`, and `reservation` when dynamic. */
const agentB = {
  agent_info: { id: { value: 'S2' }, hostname: 'host-b', resources: [] },
  active: true,
  total_resources: [
    scalar('cpus', 4, { role: '*' }),
    scalar('cpus', 2, { role: 'eng' }),
    scalar('disk', 100, { role: 'db', reservation: { principal: 'ops' }, disk: { persistence: { id: 'logs' }, volume: { container_path: 'logs', mode: 'RO' } } }),
  ],
} as unknown as OperatorAgent;

describe('reservation summary', () => {
  test('groups by role, splits STATIC from DYNAMIC and by principal and labels, and finds persistent volumes', () => {
    const [db, eng] = summarizeReservations(agentA.total_resources as ReservedResourceJson[]);
    expect(eng).toEqual({
      role: 'eng',
      reservations: [{ role: 'eng', type: 'STATIC', labels: [], scalars: { cpus: 1, mem: 256 }, ranges: { ports: '31000-31009' } }],
      volumes: [],
      scalars: { cpus: 1, mem: 256 },
    });
    expect(db.reservations).toEqual([{ role: 'db', type: 'DYNAMIC', principal: 'ops', labels: [{ key: 'team', value: 'data' }], scalars: { cpus: 0.5, disk: 1536 }, ranges: {} }]);
    expect(db.volumes).toEqual([{ role: 'db', id: 'pg-data', containerPath: 'data', mode: 'RW', size: 512, principal: 'ops' }]);
    expect(volumeText(db.volumes[0])).toBe('volume pg-data at data (RW)');
  });

  test('reads the pre-refinement format: a role alone is STATIC, with `reservation` DYNAMIC; unreserved is left out', () => {
    const [db, eng] = summarizeReservations(agentB.total_resources as ReservedResourceJson[]);
    expect(eng.reservations.map((r) => [r.type, r.scalars])).toEqual([['STATIC', { cpus: 2 }]]);
    expect(db.reservations.map((r) => [r.type, r.principal])).toEqual([['DYNAMIC', 'ops']]);
    expect(volumeText(db.volumes[0])).toBe('volume logs at logs (RO)');
  });

  test('a refined reservation counts for the role at the top of its stack', () => {
    const refined = scalar('cpus', 1, { reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/ci', principal: 'ci-bot' }] });
    expect(summarizeReservations([refined]).map((r) => [r.role, r.reservations[0].type])).toEqual([['eng/ci', 'DYNAMIC']]);
  });
});

describe('mesoscloud roles with reservations', () => {
  const roles = {
    roles: [
      { name: '*', weight: 1, frameworks: [], resources: [], allocated: [], offered: [] },
      { name: 'eng', weight: 2, frameworks: [{ value: 'f1' }], resources: [], allocated: [scalar('cpus', 1, staticTo('eng'))], offered: [] },
    ],
  } as never;

  test('each role gets its reserved total, a role with only reservations is listed, and each agent reservation is a line', () => {
    const rows = buildRoleRows(roles, [], [agentA, agentB]);
    expect(rows.map((r) => [r.name, r.reserved])).toEqual([
      ['*', undefined],
      ['db', { cpus: 0.5, disk: 1636 }],
      ['eng', { cpus: 3, mem: 256 }],
    ]);
    expect(rows.find((r) => r.name === 'db')!.reservations).toEqual([
      { agent_id: 'S1', hostname: 'host-a', type: 'DYNAMIC', principal: 'ops', labels: { team: 'data' }, resources: 'cpus:0.5;disk:1536', volumes: ['volume pg-data at data (RW)'] },
      { agent_id: 'S2', hostname: 'host-b', type: 'DYNAMIC', principal: 'ops', resources: 'disk:100', volumes: ['volume logs at logs (RO)'] },
    ]);

    const text = renderRoles(rows);
    expect(text[0]).toMatch(/^ROLE\s+WEIGHT\s+FRAMEWORKS\s+CPUS\s+MEM MB\s+DISK MB\s+QUOTA LIMITS\s+QUOTA GUARANTEES\s+RESERVED$/);
    expect(text.find((l) => l.startsWith('eng '))).toMatch(/eng\s+2\s+1\s+1\s+0\s+0\s+-\s+-\s+cpus:3;mem:256$/);
    const reservations = text.slice(text.indexOf('Reservations:') + 1);
    expect(reservations).toEqual([
      expect.stringMatching(/^ {2}ROLE\s+AGENT\s+TYPE\s+PRINCIPAL\s+RESERVED$/),
      expect.stringMatching(/^ {2}db\s+host-a \(S1\)\s+DYNAMIC\s+ops\s+cpus:0\.5;disk:1536 \(labels team=data\)$/),
      '      volume pg-data at data (RW)',
      expect.stringMatching(/^ {2}db\s+host-b \(S2\)\s+DYNAMIC\s+ops\s+disk:100$/),
      '      volume logs at logs (RO)',
      expect.stringMatching(/^ {2}eng\s+host-a \(S1\)\s+STATIC\s+-\s+cpus:1;mem:256;ports:\[31000-31009\]$/),
      expect.stringMatching(/^ {2}eng\s+host-b \(S2\)\s+STATIC\s+-\s+cpus:2$/),
    ]);
  });

  test('without reservations the table stands alone', () => {
    const text = renderRoles(buildRoleRows(roles, [], []));
    expect(text).not.toContain('Reservations:');
    expect(text.find((l) => l.startsWith('eng '))).toMatch(/-$/);
  });
});
