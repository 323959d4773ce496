/**
 * Bounds on the JSON the daemons take in. Mesos's bodies are shallow (a TaskInfo with a container,
 * health check and labels nests about a dozen levels), so a value nested deeper than MAX_JSON_DEPTH
 * is refused before anything is validated or stored: a deep value, once stored, would break every
 * later serialisation of the state it sits in. The size of a body is bounded by the HTTP layer.
 */

export const MAX_JSON_DEPTH = 64;

/** Inputs are quoted in messages up to this many characters. */
export const MAX_QUOTED_CHARS = 100;

/** `text` cut to `max` characters, marked when cut: how any input is quoted back to its sender. */
export function boundedText(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The nesting depth of a parsed JSON value (a scalar is 0), counted without recursion, stopping past `max`. */
export function jsonDepth(value: unknown, max = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > max) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, inner]);
    }
  }
  return deepest;
}

export function depthProblem(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  return jsonDepth(value, max) > max ? `nested deeper than ${max} levels (the limit)` : undefined;
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON.parse, then the depth bound; a syntax error is quoted in bounded form. */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: boundedText((err as Error).message, 2 * MAX_QUOTED_CHARS) };
  }
  const problem = depthProblem(value, maxDepth);
  return problem ? { ok: false, message: problem } : { ok: true, value };
}
