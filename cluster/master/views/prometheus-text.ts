/**
 * Prometheus text exposition format (version 0.0.4) from Mesos-style metrics: "master/tasks_running"
 * becomes `mesos_master_tasks_running`. Pure: a snapshot in, the text out.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricKind = 'counter' | 'gauge';

/**
 * A metric name in Prometheus's alphabet ([a-zA-Z_:][a-zA-Z0-9_:]*): every other character becomes
 * '_', runs of '_' collapse, and the prefix keeps names from starting with a digit.
 */
export function prometheusName(name: string, prefix = 'mesos'): string {
  const body = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return prefix ? `${prefix}_${body}` : /^[0-9]/.test(body) ? `_${body}` : body;
}

/** Prometheus's spelling of non-finite values. */
export function prometheusValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * One `# TYPE` line and one sample per metric, sorted by name. Two source names that sanitise to the
 * same name would make the whole scrape invalid, so the later one is left out.
 */
export function formatPrometheus(
  metrics: Record<string, number>,
  kindOf: (name: string) => MetricKind = () => 'gauge',
  prefix = 'mesos',
): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const name of Object.keys(metrics).sort()) {
    const value = metrics[name];
    if (typeof value !== 'number') continue;
    const exposed = prometheusName(name, prefix);
    if (seen.has(exposed)) continue;
    seen.add(exposed);
    lines.push(`# TYPE ${exposed} ${kindOf(name)}`, `${exposed} ${prometheusValue(value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
