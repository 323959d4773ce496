/**
 * Progress of a stack operation as an operator reads it: plain lines off a terminal, a status board
 * redrawn in place on one. A fixed clock gives the durations.
 */
import type { EngineEvent } from '../../infra/providers/aws/engine';
import { StackProgress } from '../../infra/providers/aws/stack-progress';

const INSTANCE = 'aws:ec2/instance:Instance';
const res = (op: 'create' | 'delete' | 'same' | 'update', status: 'started' | 'done' | 'failed', name: string, type = INSTANCE, message?: string): EngineEvent =>
  ({ kind: 'resource', type, name, op, status, ...(message ? { message } : {}) });

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('plain progress (stderr is not a terminal)', () => {
  it('a step begun, finished after 12.3 s, and one failed, one line each', () => {
    const c = clock();
    const p = new StackProgress({ tty: false, now: c.now });
    expect(p.push(res('create', 'started', 'prod-agent-3'))).toBe(`+ create ${INSTANCE} prod-agent-3\n`);
    expect(p.push(res('create', 'started', 'prod-agent-4'))).toBe(`+ create ${INSTANCE} prod-agent-4\n`);
    c.advance(12_300);
    expect(p.push(res('create', 'done', 'prod-agent-3'))).toBe(`✓ created ${INSTANCE} prod-agent-3 (12.3 s)\n`);
    expect(p.push(res('create', 'failed', 'prod-agent-4', INSTANCE, 'api error InsufficientInstanceCapacity: no capacity')))
      .toBe(`✗ failed to create ${INSTANCE} prod-agent-4: api error InsufficientInstanceCapacity: no capacity\n`);
    expect(p.push(res('delete', 'started', 'prod-sg', 'aws:ec2/securityGroup:SecurityGroup'))).toBe('- delete aws:ec2/securityGroup:SecurityGroup prod-sg\n');
  });

  it('unchanged resources and the stack itself are not listed', () => {
    const p = new StackProgress({ tty: false, now: clock().now });
    expect(p.push(res('same', 'started', 'prod-vpc', 'aws:ec2/vpc:Vpc'))).toBe('');
    expect(p.push(res('create', 'started', 'mesoscloud-prod', 'pulumi:pulumi:Stack'))).toBe('');
  });

  it('diagnostics: a resource\'s error is said once (with its failed step); warnings and run errors are shown', () => {
    const p = new StackProgress({ tty: false, now: clock().now });
    expect(p.push({ kind: 'diagnostic', severity: 'error', message: 'boom', resourceName: 'prod-agent-4' })).toBe('');
    expect(p.push({ kind: 'diagnostic', severity: 'error', message: 'update failed' })).toBe('✗ error: update failed\n');
    expect(p.push({ kind: 'diagnostic', severity: 'warning', message: 'deprecated', resourceName: 'prod-sg' })).toBe('! warning: prod-sg: deprecated\n');
    expect(p.push({ kind: 'diagnostic', severity: 'info', message: '3 create in 40 s' })).toBe('  3 create in 40 s\n');
  });
});

describe('status board (stderr is a terminal)', () => {
  it('one line per resource, redrawn over the previous board; messages stay above it', () => {
    const c = clock();
    const p = new StackProgress({ tty: true, now: c.now });
    expect(p.push(res('create', 'started', 'prod-agent-0'))).toBe(`… creating ${INSTANCE} prod-agent-0 (0.0 s)\n`);
    c.advance(2_000);
    expect(p.push(res('create', 'started', 'prod-agent-1'))).toBe(
      `\u001b[1A\r\u001b[0J… creating ${INSTANCE} prod-agent-0 (2.0 s)\n… creating ${INSTANCE} prod-agent-1 (0.0 s)\n`,
    );
    c.advance(1_500);
    expect(p.push({ kind: 'diagnostic', severity: 'warning', message: 'slow zone' })).toBe(
      `\u001b[2A\r\u001b[0J! warning: slow zone\n… creating ${INSTANCE} prod-agent-0 (3.5 s)\n… creating ${INSTANCE} prod-agent-1 (1.5 s)\n`,
    );
    p.push(res('create', 'done', 'prod-agent-0'));
    p.push(res('create', 'failed', 'prod-agent-1', INSTANCE, 'InsufficientInstanceCapacity\nmore detail'));
    expect(p.board()).toEqual([`✓ created ${INSTANCE} prod-agent-0 (3.5 s)`, `✗ failed to create ${INSTANCE} prod-agent-1: InsufficientInstanceCapacity`]);
  });

  it('board lines are cut to the terminal width, so redrawing moves up the right number of lines', () => {
    const p = new StackProgress({ tty: true, columns: 30, now: clock().now });
    const text = p.push(res('create', 'started', 'a-very-long-cluster-name-agent-17'));
    expect(text.split('\n')[0]).toHaveLength(30);
    expect(p.push(res('update', 'started', 'b'))).toMatch(/^\u001b\[1A/);
  });
});
