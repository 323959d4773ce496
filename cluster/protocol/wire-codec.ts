/**
 * The two encodings of the v1 messages, turned into the one object form the validators read
 * (snake_case fields, enums as names, 64-bit integers as numbers, `bytes` as base64 text), and back.
 *
 * JSON is read as Mesos reads it (stout's protobuf.hpp): `null` is an unset field (and a `null`
 * element of an array is skipped), a field the message does not know is ignored, and an enum
 * name the message does not know is dropped from an optional or repeated field (a required one
 * keeps it, so that validation refuses it). protobuf is read as proto2 does (protobufjs does it):
 * unknown fields are skipped, and so are enum numbers the definition does not list (proto2's enums
 * are closed), from any field; a required one is then missing and validation says so.
 *
 * Required fields are not checked here: the validators check them for both encodings alike, with
 * messages that name the field. The message definitions come from proto/mesos-v1.json, generated
 * from the .proto files beside it (scripts/build-proto.js); protobufjs is loaded on first use, so
 * what merely imports this module (a CLI printing its help) does not pay for it.
 */
import type { Enum, INamespace, Root, Type } from 'protobufjs';
import { boundedText, depthProblem, MAX_JSON_DEPTH } from './json-limits';
import descriptorJson from './proto/mesos-v1.json';

const DESCRIPTOR = descriptorJson as INamespace;

/** The messages the v1 APIs carry, by protobuf full name. */
export const V1_MESSAGES = {
  schedulerCall: 'mesos.v1.scheduler.Call',
  schedulerEvent: 'mesos.v1.scheduler.Event',
  executorCall: 'mesos.v1.executor.Call',
  executorEvent: 'mesos.v1.executor.Event',
  masterCall: 'mesos.v1.master.Call',
  masterResponse: 'mesos.v1.master.Response',
  masterEvent: 'mesos.v1.master.Event',
  agentCall: 'mesos.v1.agent.Call',
  agentResponse: 'mesos.v1.agent.Response',
} as const;

export type V1MessageName = typeof V1_MESSAGES[keyof typeof V1_MESSAGES];

export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

let root: Root | undefined;
/** Full names (`.mesos.v1.TaskStatus.state`) of the fields Mesos declares required. */
const required = new Set<string>();

/** A v1 message type by full name: one the APIs carry, or one nested in them (mesos.v1.Task). */
function messageType(name: string): Type {
  if (!root) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const protobuf = require('protobufjs/light') as typeof import('protobufjs');
    root = protobuf.Root.fromJSON(withoutRequired(structuredClone(DESCRIPTOR), ''));
  }
  return root.lookupType(name);
}

/** Loads protobufjs and the definitions now rather than on the first call that needs them (about 85 ms). */
export function preloadDefinitions(): void {
  messageType(V1_MESSAGES.schedulerCall);
}

type Namespace = INamespace & { fields?: Record<string, { rule?: string }> };

/** Removes every `required` rule, noting the field in `required`: presence is the validators' business. */
function withoutRequired(ns: Namespace, prefix: string): INamespace {
  for (const [name, field] of Object.entries(ns.fields ?? {})) {
    if (field.rule !== 'required') continue;
    required.add(`${prefix}.${name}`);
    delete field.rule;
  }
  for (const [name, nested] of Object.entries(ns.nested ?? {})) withoutRequired(nested as Namespace, `${prefix}.${name}`);
  return ns;
}

const TO_OBJECT = { enums: String, longs: Number, bytes: String, defaults: false, arrays: false, objects: false } as const;

/** A protobuf message, as the JSON path would have produced it. */
export function decodeProtobuf(name: V1MessageName, bytes: Uint8Array): Decoded {
  const type = messageType(name);
  let value: Record<string, unknown>;
  try {
    value = type.toObject(type.decode(bytes), TO_OBJECT);
  } catch (err) {
    return { ok: false, message: `Failed to parse body into ${name}: ${boundedText((err as Error).message)}` };
  }
  const problem = depthProblem(value, MAX_JSON_DEPTH);
  if (problem) return { ok: false, message: `${name} ${problem}` };
  return { ok: true, value };
}

/** Encodes an object of the JSON form; fields the message does not define are left out, as protobuf must. */
export function encodeProtobuf(name: V1MessageName, value: unknown): Buffer {
  const type = messageType(name);
  return Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
}

/**
 * One item of a repeated message field `field` of `parent` (a full type name), encoded with its tag
 * and length: a repeated field's encoding is its items' so encoded one after another, which lets a
 * large message be assembled from items encoded once and kept.
 */
export function encodeRepeatedItem(parent: string, field: string, value: unknown): Buffer {
  const spec = messageType(parent).fields[field];
  if (!spec?.repeated) throw new Error(`${parent} has no repeated field ${field}`);
  const item = messageType(spec.resolve().resolvedType!.fullName.slice(1));
  const payload = item.encode(item.fromObject(value as Record<string, unknown>)).finish();
  return Buffer.concat([fieldHeader(parent, field, payload.length), payload]);
}

/** The tag and length that open the encoding (`length` bytes) of message field `field` of `parent`. */
export function fieldHeader(parent: string, field: string, length: number): Buffer {
  const spec = messageType(parent).fields[field];
  if (!spec) throw new Error(`${parent} has no field ${field}`);
  return Buffer.from([...varint(spec.id * 8 + 2), ...varint(length)]);
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/**
 * A parsed JSON body read as Mesos reads it: nulls removed everywhere, unknown enum names dropped
 * where `name`'s definitions declare an optional or repeated enum. Without a name (a channel with
 * no published definition) only the nulls go. The value is changed in place and must be
 * depth-bounded already (parseJsonBounded).
 */
export function normalizeJson(value: unknown, name?: V1MessageName): unknown {
  const stripped = withoutNulls(value);
  if (name === undefined || !isObject(stripped)) return stripped;
  // The call's own type is kept: Mesos drops an unknown one and then refuses the call for want of a
  // type; refusing it with the name the client sent says more.
  const { type, ...rest } = stripped;
  dropUnknownEnums(messageType(name), rest);
  return type === undefined ? rest : { type, ...rest };
}

/** Removes nulls in place (the value is a freshly parsed body nobody else holds): no copy of a large call without nulls. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.includes(null)) value.splice(0, value.length, ...value.filter((v) => v !== null));
    for (const v of value) withoutNulls(v);
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (value[key] === null) delete value[key];
      else withoutNulls(value[key]);
    }
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Walks `value` along `type`'s fields, dropping the enum names an optional or repeated field does not
 * list, as stout does; a required field keeps its name for the validators to refuse. Fields the type
 * does not know, and values of the wrong JSON type (a number for an enum), are left for the validators.
 */
function dropUnknownEnums(type: Type, value: Record<string, unknown>): void {
  const known = (enumType: Enum, v: unknown) => typeof v !== 'string' || enumType.values[v] !== undefined;
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined) continue;
    const resolved = field.resolve().resolvedType;
    if (resolved === null) continue;
    // An Enum has `values` and no `fields` (the classes are protobufjs's, loaded lazily: no instanceof).
    if ('values' in resolved && !('fields' in resolved)) {
      const enumType = resolved as Enum;
      if (field.repeated) {
        if (Array.isArray(v)) value[field.name] = v.filter((e) => known(enumType, e));
      } else if (field.map) {
        if (isObject(v)) for (const [k, e] of Object.entries(v)) if (!known(enumType, e)) delete v[k];
      } else if (!known(enumType, v) && !required.has(`${field.parent?.fullName ?? ''}.${field.name}`)) {
        delete value[field.name];
      }
      continue;
    }
    const inner = resolved as Type;
    const children = field.repeated && Array.isArray(v) ? v : field.map && isObject(v) ? Object.values(v) : [v];
    for (const child of children) if (isObject(child)) dropUnknownEnums(inner, child);
  }
}
