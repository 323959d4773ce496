/** The Prometheus text exposition formatter behind GET /metrics. */
import fc from 'fast-check';
import { formatPrometheus, prometheusName, prometheusValue } from '../../cluster/master/views/prometheus-text';

const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]* (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/;
const TYPE_LINE = /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$/;

describe('prometheusName', () => {
  test.each([
    ['master/tasks_running', 'mesos_master_tasks_running'],
    ['allocator/mesos/allocation_run_ms/p99', 'mesos_allocator_mesos_allocation_run_ms_p99'],
    ['master/messages_kill-task', 'mesos_master_messages_kill_task'],
    ['allocator/mesos/resources/cpus/offered_or_allocated', 'mesos_allocator_mesos_resources_cpus_offered_or_allocated'],
    ['weird//name..x', 'mesos_weird_name_x'],
  ])('%s -> %s', (mesos, prometheus) => {
    expect(prometheusName(mesos)).toBe(prometheus);
  });

  test('without a prefix a name still never starts with a digit', () => {
    expect(prometheusName('9lives', '')).toBe('_9lives');
  });

  test('any input gives a valid metric name', () => {
    fc.assert(fc.property(fc.string(), (name) => {
      expect(prometheusName(name)).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    }));
  });
});

describe('prometheusValue', () => {
  test('spells non-finite values as Prometheus does', () => {
    expect(prometheusValue(Number.NaN)).toBe('NaN');
    expect(prometheusValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(prometheusValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(prometheusValue(0.25)).toBe('0.25');
    expect(prometheusValue(-3)).toBe('-3');
  });
});

describe('formatPrometheus', () => {
  test('a TYPE line then a sample per metric, sorted, newline-terminated', () => {
    const text = formatPrometheus(
      { 'master/tasks_running': 2, 'master/tasks_finished': 5, 'master/cpus_percent': 0.5 },
      (name) => (name === 'master/tasks_finished' ? 'counter' : 'gauge'),
    );
    expect(text).toBe([
      '# TYPE mesos_master_cpus_percent gauge',
      'mesos_master_cpus_percent 0.5',
      '# TYPE mesos_master_tasks_finished counter',
      'mesos_master_tasks_finished 5',
      '# TYPE mesos_master_tasks_running gauge',
      'mesos_master_tasks_running 2',
      '',
    ].join('\n'));
  });

  test('two names that sanitise alike are exposed once', () => {
    const text = formatPrometheus({ 'a/b': 1, 'a.b': 2 });
    expect(text.split('\n').filter((l) => l.startsWith('mesos_a_b '))).toHaveLength(1);
  });

  test('empty snapshot gives empty text', () => {
    expect(formatPrometheus({})).toBe('');
  });

  test('every line of any snapshot parses as exposition format', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.oneof(fc.double(), fc.integer())), (metrics) => {
      const text = formatPrometheus(metrics);
      for (const line of text.split('\n').slice(0, -1)) {
        expect(line.startsWith('#') ? TYPE_LINE.test(line) : SAMPLE_LINE.test(line)).toBe(true);
      }
    }));
  });
});
