/**
 * Compares a JSON answer with a documented example by shape: every field the example has must be
 * there with the same JSON type, recursively. Values are not compared (ids, times and amounts differ
 * from cluster to cluster); tests check the values that matter separately. An array in the example
 * is matched element by element against any element of the answer, since order is not part of the
 * contract (a resource list may put `mem` before `cpus`).
 */
export function shapeMismatches(documented: unknown, actual: unknown, path = '$'): string[] {
  if (documented === null || documented === undefined) return [];
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${describe(actual)}`];
    if (documented.length === 0) return [];
    if (actual.length === 0) return [`${path}: expected a non-empty array like the documented one, got []`];
    const problems: string[] = [];
    documented.forEach((element, i) => {
      const attempts = actual.map((candidate, j) => shapeMismatches(element, candidate, `${path}[${j}]`));
      const best = attempts.reduce((a, b) => (b.length < a.length ? b : a));
      if (best.length > 0) problems.push(`${path}: no element has the shape of documented element ${i}; closest: ${best.join('; ')}`);
    });
    return problems;
  }
  if (typeof documented === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path}: expected an object, got ${describe(actual)}`];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(documented as Record<string, unknown>)) {
      const field = `${path}.${key}`;
      if (!(key in actual)) problems.push(`${field}: missing`);
      else problems.push(...shapeMismatches(value, (actual as Record<string, unknown>)[key], field));
    }
    return problems;
  }
  return typeof documented === typeof actual ? [] : [`${path}: expected a ${typeof documented}, got ${describe(actual)}`];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
