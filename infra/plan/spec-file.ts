/** Reading a cluster file (YAML). What it holds is checked by specFromSources, not here. */
import * as fs from 'node:fs';
import { parseDocument } from 'yaml';

export class SpecFileError extends Error {
  readonly code = 'BAD_CLUSTER_FILE';
  constructor(message: string, readonly file: string, readonly line?: number, readonly column?: number) {
    super(message);
  }
}

/** The file's content as plain data ({} for an empty file). */
export function loadSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${(err as Error).message})`;
    throw new SpecFileError(`cluster file ${file} ${why}`, file);
  }
  return parseSpecText(text, file);
}

/** YAML text as plain data; a syntax error names `file`, the line and the column. */
export function parseSpecText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const [start] = error.linePos ?? [];
    // yaml appends " at line L, column C:" and an excerpt; keep the excerpt, say the place up front.
    const [summary, ...excerpt] = error.message.split('\n');
    const short = summary.replace(/ at line \d+, column \d+:?$/, '');
    const where = start ? `${file}:${start.line}:${start.col}` : file;
    const snippet = excerpt.join('\n').replace(/^\n+/, '').trimEnd();
    throw new SpecFileError(`${where}: invalid YAML: ${short}${snippet ? `\n\n${snippet}` : ''}`, file, start?.line, start?.col);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new SpecFileError(`${file}: invalid YAML: ${(err as Error).message}`, file);
  }
}
