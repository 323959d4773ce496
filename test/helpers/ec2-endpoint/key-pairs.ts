/** ImportKeyPair, DescribeKeyPairs, DeleteKeyPair (which, as on EC2, succeeds for a key that is not there). */
import { createHash } from 'node:crypto';
import type { Handler } from './context';
import { Ec2Fault, filtersOf, tagsFor } from './params';
import { newId, filterBy, tagSet, type KeyPair } from './state';

const KEY_LINE = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/;

function keyXml(k: KeyPair, withPublicKey: boolean) {
  return { keyPairId: k.id, keyType: k.keyType, keyName: k.keyName, keyFingerprint: k.fingerprint, publicKey: withPublicKey ? k.publicKey : undefined, createTime: k.createTime, tagSet: tagSet(k.tags) };
}

export const importKeyPair: Handler = (ctx) => {
  const keyName = ctx.params.require('KeyName');
  // A blob: the SDK sends it base64-encoded.
  const material = Buffer.from(ctx.params.require('PublicKeyMaterial'), 'base64').toString('utf8').trim();
  const m = KEY_LINE.exec(material);
  if (!m) throw new Ec2Fault('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  if ([...ctx.state.keyPairs.values()].some((k) => k.region === ctx.region && k.keyName === keyName)) throw new Ec2Fault('InvalidKeyPair.Duplicate', `The keypair already exists: '${keyName}'`);
  const blob = Buffer.from(m[2], 'base64');
  const keyType = m[1] === 'ssh-rsa' ? 'rsa' : 'ed25519';
  const fingerprint = keyType === 'rsa' ? createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:') : `${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}=`;
  const key: KeyPair = { id: newId('key'), region: ctx.region, tags: tagsFor(ctx.params, 'key-pair'), keyName, fingerprint, publicKey: material, keyType, createTime: new Date(ctx.now) };
  ctx.state.keyPairs.set(key.id, key);
  return { keyFingerprint: key.fingerprint, keyName, keyPairId: key.id, tagSet: tagSet(key.tags) };
};

export const describeKeyPairs: Handler = (ctx) => {
  const names = ctx.params.list('KeyName');
  const ids = ctx.params.list('KeyPairId');
  const all = [...ctx.state.keyPairs.values()].filter((k) => k.region === ctx.region);
  const missingName = names.find((n) => !all.some((k) => k.keyName === n));
  if (missingName) throw new Ec2Fault('InvalidKeyPair.NotFound', `The key pair '${missingName}' does not exist`);
  const missingId = ids.find((id) => !all.some((k) => k.id === id));
  if (missingId) throw new Ec2Fault('InvalidKeyPair.NotFound', `The key pair '${missingId}' does not exist`);
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (k: KeyPair) => string[]> = { 'key-name': (k) => [k.keyName], 'key-pair-id': (k) => [k.id], fingerprint: (k) => [k.fingerprint] };
  const keys = all
    .filter((k) => (names.length === 0 || names.includes(k.keyName)) && (ids.length === 0 || ids.includes(k.id)))
    .filter(filterBy(filters, fields));
  return { keySet: keys.map((k) => keyXml(k, ctx.params.bool('IncludePublicKey'))) };
};

export const deleteKeyPair: Handler = (ctx) => {
  const name = ctx.params.get('KeyName');
  const id = ctx.params.get('KeyPairId');
  if (name === undefined && id === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId');
  const key = [...ctx.state.keyPairs.values()].find((k) => k.region === ctx.region && (k.keyName === name || k.id === id));
  if (key) ctx.state.keyPairs.delete(key.id);
  return { return: true, keyPairId: key?.id };
};
