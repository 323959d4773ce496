/**
 * DescribeImages, CreateImage and DeregisterImage. An account sees public images and its own;
 * images it makes are private, pending for a while, then available.
 */
import type { ActionContext, Handler } from './context';
import { Ec2Fault, filtersOf, tagsFor, tagSpecificationsOf } from './params';
import { newId, filterBy, tagSet, type Image } from './state';
import { requireKnownIds } from './validation';

const IMAGE_FILTERS: Record<string, (i: Image) => (string | undefined)[]> = {
  name: (i) => [i.name],
  state: (i) => [i.state],
  architecture: (i) => [i.architecture],
  'image-id': (i) => [i.id],
  'owner-id': (i) => [i.ownerId],
  'is-public': (i) => [String(i.isPublic)],
  'image-type': () => ['machine'],
  'root-device-type': () => ['ebs'],
  'virtualization-type': () => ['hvm'],
  description: (i) => [i.description],
};

function imageXml(i: Image) {
  return {
    imageId: i.id,
    imageLocation: `${i.ownerId}/${i.name}`,
    imageState: i.state,
    imageOwnerId: i.ownerId,
    creationDate: i.creationDate,
    isPublic: i.isPublic,
    architecture: i.architecture,
    imageType: 'machine',
    sriovNetSupport: 'simple',
    name: i.name,
    description: i.description,
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDeviceName,
    blockDeviceMapping: [{ deviceName: i.rootDeviceName, ebs: { snapshotId: `snap-${i.id.slice(4)}`, volumeSize: 8, deleteOnTermination: true, volumeType: 'gp3', encrypted: false } }],
    virtualizationType: 'hvm',
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    enaSupport: true,
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
  };
}

function visibleImages(ctx: ActionContext): Image[] {
  return [...ctx.state.images.values()].filter((i) => i.region === ctx.region && (i.isPublic || i.ownerId === ctx.state.accountId));
}

export const describeImages: Handler = (ctx) => {
  const ids = ctx.params.list('ImageId');
  const owners = ctx.params.list('Owner').map((o) => (o === 'self' ? ctx.state.accountId : o));
  const filters = filtersOf(ctx.params);
  let images = visibleImages(ctx);
  if (ids.length > 0) {
    requireKnownIds(ids, 'ami', 'InvalidAMIID', 'image id', (id) => images.some((i) => i.id === id));
    images = images.filter((i) => ids.includes(i.id));
  }
  if (owners.length > 0) images = images.filter((i) => owners.includes(i.ownerId));
  return { imagesSet: images.filter(filterBy(filters, IMAGE_FILTERS)).map(imageXml) };
};

const NAME_PATTERN = /^[a-zA-Z0-9()[\] ./\-'@_]{3,128}$/;

export const createImage: Handler = (ctx) => {
  const p = ctx.params;
  const instanceId = p.require('InstanceId');
  const name = p.require('Name');
  requireKnownIds([instanceId], 'i', 'InvalidInstanceID', 'instance ID', (id) => ctx.state.instances.get(id)?.region === ctx.region);
  const instance = ctx.state.instances.get(instanceId)!;
  if (!NAME_PATTERN.test(name)) {
    throw new Ec2Fault('InvalidAMIName.Malformed', `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', ' ', '[', ']', '@' and '''; got '${name}'`);
  }
  const taken = visibleImages(ctx).find((i) => i.ownerId === ctx.state.accountId && i.name === name);
  if (taken) throw new Ec2Fault('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.id}`);
  if (instance.state !== 'running' && instance.state !== 'stopped') {
    throw new Ec2Fault('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can be imaged (it is ${instance.state}).`);
  }
  for (const spec of tagSpecificationsOf(p)) {
    if (spec.resourceType !== 'image' && spec.resourceType !== 'snapshot') throw new Ec2Fault('InvalidParameterValue', `'${spec.resourceType}' is not a valid taggable resource type for this operation.`);
  }
  const image: Image = {
    id: newId('ami'),
    region: ctx.region,
    tags: tagsFor(p, 'image'),
    name,
    ownerId: ctx.state.accountId,
    state: 'pending',
    stateUntil: ctx.now + ctx.timing.imageAvailableAfterMs,
    architecture: instance.architecture,
    creationDate: new Date(ctx.now).toISOString(),
    description: p.get('Description'),
    isPublic: false,
    rootDeviceName: '/dev/sda1',
    sourceInstanceId: instanceId,
  };
  ctx.state.images.set(image.id, image);
  return { imageId: image.id };
};

export const deregisterImage: Handler = (ctx) => {
  const id = ctx.params.require('ImageId');
  requireKnownIds([id], 'ami', 'InvalidAMIID', 'image id', (i) => ctx.state.images.get(i)?.region === ctx.region);
  const image = ctx.state.images.get(id)!;
  if (image.ownerId !== ctx.state.accountId) throw new Ec2Fault('AuthFailure', `Not authorized for image:${id}`, 401);
  ctx.state.images.delete(id);
  return { return: true };
};
