/**
 * The README and docs/ point at files that exist: every relative link, and every source path written
 * in backticks (`cluster/master/state/offers.ts`), so a moved file cannot leave the map of the code
 * pointing at nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PAGES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const SOURCE_PATH = /`((?:cluster|cli|infra|daemon|bench|test|scripts)\/[A-Za-z0-9_./-]+)`/g;
const LINK = /\]\(([^)\s]+)\)/g;

/** Every target a page names that is not there, as "page: target". */
export function missingTargets(page: string, text: string, exists: (p: string) => boolean): string[] {
  const missing: string[] = [];
  for (const [, target] of text.matchAll(LINK)) {
    const file = target.split('#')[0];
    if (file === '' || /^[a-z]+:/.test(file)) continue;
    if (!exists(path.posix.join(path.posix.dirname(page), file))) missing.push(`${page}: ${target}`);
  }
  for (const [, source] of text.matchAll(SOURCE_PATH)) {
    if (!exists(source.replace(/\/$/, ''))) missing.push(`${page}: ${source}`);
  }
  return missing;
}

const onDisk = (p: string) => fs.existsSync(path.join(ROOT, p));

describe('README and docs/', () => {
  it('name only files that exist', () => {
    const missing = PAGES.flatMap((page) => missingTargets(page, fs.readFileSync(path.join(ROOT, page), 'utf8'), onDisk));
    expect(missing).toEqual([]);
  });

  it('would see a link or a path that points at nothing', () => {
    const text = 'see [it](../cluster/gone.ts#x), [web](https://mesos.apache.org/), `infra/gone/` and `cluster/here.ts`';
    const exists = (p: string) => p === 'cluster/here.ts';
    expect(missingTargets('docs/a.md', text, exists)).toEqual(['docs/a.md: ../cluster/gone.ts#x', 'docs/a.md: infra/gone/']);
  });
});
