/** Where this package is installed: its root holds bin/run.js (the CLI) and dist/ (the daemon bundle). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest directory above `from` with our package.json. */
export function packageRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'mesoscloud') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the mesoscloud package above ${from}`);
    dir = parent;
  }
}

/** Where `bin/run.js` lives. */
export function cliEntryPoint(): string {
  return path.join(packageRoot(), 'bin', 'run.js');
}
