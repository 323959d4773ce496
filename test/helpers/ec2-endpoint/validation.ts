/** Checks several actions share: ids of the right shape that exist, and the volume types EC2 knows. */
import { Ec2Fault } from './params';

export const VOLUME_TYPES = ['standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3'];

/**
 * Every id must look like `<prefix>-<hex>` (else `<codePrefix>.Malformed`) and exist (else
 * `<codePrefix>.NotFound`, naming all the missing ones as EC2 does).
 */
export function requireKnownIds(ids: string[], prefix: string, codePrefix: string, noun: string, exists: (id: string) => boolean): void {
  for (const id of ids) {
    if (!new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id)) throw new Ec2Fault(`${codePrefix}.Malformed`, `Invalid id: "${id}" (expecting "${prefix}-...")`);
  }
  const missing = ids.filter((id) => !exists(id));
  if (missing.length === 1) throw new Ec2Fault(`${codePrefix}.NotFound`, `The ${noun} '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new Ec2Fault(`${codePrefix}.NotFound`, `The ${noun}s '${missing.join(', ')}' do not exist`);
}
