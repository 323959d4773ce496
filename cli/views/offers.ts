/** `mesoscloud offers`: the offers outstanding, read from each framework in GET_FRAMEWORKS. */
import type { GetFrameworks } from '../../cluster/protocol/operator';
import { Resources } from '../../cluster/protocol/resources';
import { renderTable } from '../render/table';

export interface OfferRow {
  id: string;
  framework_id: string;
  agent_id: string;
  hostname: string;
  role?: string;
  resources: string;
}

export function buildOfferRows(frameworks: GetFrameworks): OfferRow[] {
  const rows: OfferRow[] = [];
  for (const f of frameworks.frameworks ?? []) {
    for (const offer of f.offers ?? []) {
      let resources = '';
      try {
        resources = Resources.fromV1(offer.resources ?? []).toString();
      } catch {
        // Shown empty rather than failing the whole list.
      }
      rows.push({
        id: offer.id.value,
        framework_id: offer.framework_id.value,
        agent_id: offer.agent_id.value,
        hostname: offer.hostname,
        ...(offer.allocation_info?.role ? { role: offer.allocation_info.role } : {}),
        resources,
      });
    }
  }
  return rows;
}

export function renderOffers(rows: OfferRow[]): string[] {
  if (rows.length === 0) return ['No offers outstanding.'];
  return renderTable(
    ['ID', 'FRAMEWORK', 'AGENT', 'HOSTNAME', 'ROLE', 'RESOURCES'],
    rows.map((r) => [r.id, r.framework_id, r.agent_id, r.hostname, r.role ?? '', r.resources]),
  );
}
