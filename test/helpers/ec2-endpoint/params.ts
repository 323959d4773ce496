/**
 * The EC2 Query protocol's request side: a form-encoded body of `Action`, `Version` and flattened
 * parameters (`InstanceId.1`, `Filter.1.Name`, `Filter.1.Value.1`, `TagSpecification.1.Tag.1.Key`),
 * read back into lists and structures, and the errors EC2 answers bad input with.
 */

/** An error EC2 answers with: its code, message and HTTP status. */
export class Ec2Fault extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export class Params {
  constructor(readonly map: Map<string, string>) {}

  static fromForm(body: string): Params {
    return new Params(new Map(new URLSearchParams(body).entries()));
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  require(key: string): string {
    const value = this.map.get(key);
    if (value === undefined || value === '') throw new Ec2Fault('MissingParameter', `The request must contain the parameter ${key}`);
    return value;
  }

  int(key: string): number | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new Ec2Fault('InvalidParameterValue', `Value (${value}) for parameter ${key} is invalid. Expected an integer.`);
    return Number(value);
  }

  bool(key: string): boolean {
    return this.map.get(key) === 'true';
  }

  /** `key.1`, `key.2`, ... in index order. */
  list(key: string): string[] {
    const found: [number, string][] = [];
    const prefix = `${key}.`;
    for (const [k, v] of this.map) {
      if (k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length))) found.push([Number(k.slice(prefix.length)), v]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** The structures `key.N.*`, each as its own Params without the `key.N.` prefix, in index order. */
  structs(key: string): Params[] {
    const groups = new Map<number, Map<string, string>>();
    const pattern = new RegExp(`^${key.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of this.map) {
      const m = pattern.exec(k);
      if (!m) continue;
      const n = Number(m[1]);
      if (!groups.has(n)) groups.set(n, new Map());
      groups.get(n)!.set(m[2], v);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => new Params(m));
  }

  /** The structure `key.*` as its own Params. */
  struct(key: string): Params {
    const prefix = `${key}.`;
    return new Params(new Map([...this.map].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])));
  }

  get empty(): boolean {
    return this.map.size === 0;
  }
}

export interface Filter {
  name: string;
  values: string[];
}

export function filtersOf(params: Params): Filter[] {
  return params.structs('Filter').map((f) => ({ name: f.require('Name'), values: f.list('Value') }));
}

export interface TagSpecification {
  resourceType: string;
  tags: Record<string, string>;
}

export function tagsOf(params: Params, key = 'Tag'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of params.structs(key)) tags[t.require('Key')] = t.get('Value') ?? '';
  return tags;
}

export function tagSpecificationsOf(params: Params): TagSpecification[] {
  return params.structs('TagSpecification').map((s) => ({ resourceType: s.require('ResourceType'), tags: tagsOf(s) }));
}

/** The tags a TagSpecification list gives one resource type. */
export function tagsFor(params: Params, resourceType: string): Record<string, string> {
  return Object.assign({}, ...tagSpecificationsOf(params).filter((s) => s.resourceType === resourceType).map((s) => s.tags));
}
