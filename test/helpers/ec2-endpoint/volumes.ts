/** CreateVolume, DescribeVolumes, DeleteVolume; instances' root volumes come and go with them. */
import type { Handler } from './context';
import { Ec2Fault, filtersOf, tagsFor } from './params';
import { newId, page, filterBy, tagSet, type Volume } from './state';
import { requireKnownIds, VOLUME_TYPES } from './validation';

function volumeXml(v: Volume) {
  return {
    volumeId: v.id, size: v.size, snapshotId: '', availabilityZone: v.availabilityZone, status: v.state, createTime: v.createTime,
    attachmentSet: v.instanceId ? [{ volumeId: v.id, instanceId: v.instanceId, device: v.device, status: 'attached', attachTime: v.createTime, deleteOnTermination: true }] : [],
    volumeType: v.volumeType, encrypted: false, multiAttachEnabled: false, tagSet: tagSet(v.tags),
  };
}

export const createVolume: Handler = (ctx) => {
  const zone = ctx.params.require('AvailabilityZone');
  if (!ctx.state.zones.some((z) => z.region === ctx.region && z.name === zone)) throw new Ec2Fault('InvalidParameterValue', `Invalid availability zone: [${zone}]`);
  const volumeType = ctx.params.get('VolumeType') ?? 'gp2';
  if (!VOLUME_TYPES.includes(volumeType)) throw new Ec2Fault('InvalidParameterValue', `Value (${volumeType}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(', ')}`);
  const size = ctx.params.int('Size');
  if (size === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter size/snapshot');
  const volume: Volume = { id: newId('vol'), region: ctx.region, tags: tagsFor(ctx.params, 'volume'), size, volumeType, availabilityZone: zone, state: 'available', createTime: new Date(ctx.now) };
  ctx.state.volumes.set(volume.id, volume);
  return volumeXml(volume);
};

export const describeVolumes: Handler = (ctx) => {
  const ids = ctx.params.list('VolumeId');
  const all = [...ctx.state.volumes.values()].filter((v) => v.region === ctx.region);
  if (ids.length > 0) requireKnownIds(ids, 'vol', 'InvalidVolume', 'volume', (id) => all.some((v) => v.id === id));
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (v: Volume) => (string | undefined)[]> = {
    'volume-id': (v) => [v.id], status: (v) => [v.state], 'availability-zone': (v) => [v.availabilityZone], 'volume-type': (v) => [v.volumeType],
    'attachment.instance-id': (v) => [v.instanceId], size: (v) => [String(v.size)],
  };
  const matching = all.filter((v) => ids.length === 0 || ids.includes(v.id)).filter(filterBy(filters, fields));
  const { items, nextToken } = page(matching, ctx.params.int('MaxResults'), ctx.params.get('NextToken'));
  return { volumeSet: items.map(volumeXml), nextToken };
};

export const deleteVolume: Handler = (ctx) => {
  const id = ctx.params.require('VolumeId');
  requireKnownIds([id], 'vol', 'InvalidVolume', 'volume', (v) => ctx.state.volumes.get(v)?.region === ctx.region);
  const volume = ctx.state.volumes.get(id)!;
  if (volume.state === 'in-use') throw new Ec2Fault('VolumeInUse', `Volume ${id} is currently attached to ${volume.instanceId}`);
  ctx.state.volumes.delete(id);
  return { return: true };
};
