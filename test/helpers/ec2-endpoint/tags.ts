/** CreateTags and DeleteTags on any resource by id (DeleteTags with a value removes the tag only if it matches). */
import type { Handler } from './context';
import { Ec2Fault, tagsOf } from './params';
import { findResource, type Resource } from './state';

function resources(ctx: Parameters<Handler>[0]): Resource[] {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter ResourceId');
  return ids.map((id) => {
    const found = findResource(ctx.state, id);
    if (!found || found.region !== ctx.region) {
      if (!/^[a-z]+-[0-9a-f]{8,17}$/.test(id)) throw new Ec2Fault('InvalidID', `The ID '${id}' is not valid`);
      throw new Ec2Fault(`Invalid${kind(id)}.NotFound`, `The ID '${id}' does not exist`);
    }
    return found;
  });
}

/** The error code's middle part EC2 uses for each id prefix. */
function kind(id: string): string {
  const prefix = id.split('-')[0];
  return ({ i: 'InstanceID', ami: 'AMIID', vpc: 'VpcID', subnet: 'SubnetID', sg: 'Group', igw: 'InternetGatewayID', rtb: 'RouteTableID', key: 'KeyPair', vol: 'Volume' } as Record<string, string>)[prefix] ?? 'ID';
}

export const createTags: Handler = (ctx) => {
  const tags = tagsOf(ctx.params);
  for (const r of resources(ctx)) Object.assign(r.tags, tags);
  return { return: true };
};

export const deleteTags: Handler = (ctx) => {
  const wanted = ctx.params.structs('Tag').map((t) => ({ key: t.require('Key'), value: t.get('Value') }));
  for (const r of resources(ctx)) {
    for (const { key, value } of wanted) if (value === undefined || r.tags[key] === value) delete r.tags[key];
  }
  return { return: true };
};
