/** POSIX shell quoting for commands sent over SSH (the remote login shell parses them). */
const SAFE = /^[A-Za-z0-9_\/.,:@%+=-]+$/;

/** One word for `sh`: left as is when it has nothing special, else single-quoted. */
export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
