import * as fs from 'node:fs';
import * as path from 'node:path';

/** The renderer behind `npm run docs` (plain Node, so the build need not compile it). */
interface CommandDocs {
  render(manifest: unknown, pjson: unknown): string;
}
const { render } = require('../../scripts/write-command-docs.js') as CommandDocs;

const root = path.resolve(__dirname, '..', '..');
const REGENERATE = 'run `npm run docs` (after `npm run build`) and commit docs/commands.md';

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
}

describe('docs/commands.md', () => {
  it('is what the built commands render to', () => {
    const manifestPath = path.join(root, 'oclif.manifest.json');
    if (!fs.existsSync(manifestPath)) {
      throw new Error('oclif.manifest.json is missing: run `npm run build` (npm test does) before this test');
    }
    const rendered = render(readJson('oclif.manifest.json'), readJson('package.json'));
    const docsPath = path.join(root, 'docs', 'commands.md');
    const current = fs.existsSync(docsPath) ? fs.readFileSync(docsPath, 'utf8') : '';
    if (current !== rendered) {
      const want = rendered.split('\n');
      const have = current.split('\n');
      let line = 0;
      while (line < want.length && want[line] === have[line]) line++;
      throw new Error(
        `docs/commands.md does not match the commands (first difference at line ${line + 1}:\n` +
          `  in the file: ${JSON.stringify(have[line] ?? '(end of file)')}\n` +
          `  from the commands: ${JSON.stringify(want[line] ?? '(end of file)')}).\n` +
          `A command's summary, description, flag or example changed: ${REGENERATE}.`,
      );
    }
  });
});

describe('the command reference renderer', () => {
  const pjson = { name: 'tool', oclif: { bin: 'tool', topicSeparator: ' ' } };
  const command = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    summary: `Summary of ${id}.`,
    description: 'Runs <%= command.id %>.',
    examples: ['<%= config.bin %> <%= command.id %> --fast'],
    args: {},
    flags: {
      json: { name: 'json', type: 'boolean', allowNo: false, helpGroup: 'GLOBAL', description: 'JSON out' },
      zeta: { name: 'zeta', type: 'option', description: 'last by name', default: 3, options: ['1', '3'] },
      alpha: { name: 'alpha', type: 'boolean', allowNo: true, description: 'first by name' },
    },
    ...extra,
  });

  it('sorts commands and flags and does not depend on the manifest order', () => {
    const a = render({ commands: { b: command('b'), 'a:x': command('a:x'), a: command('a') } }, pjson);
    const b = render({ commands: { a: command('a'), b: command('b'), 'a:x': command('a:x') } }, pjson);
    expect(a).toBe(b);
    expect(a.indexOf('## `tool a`')).toBeLessThan(a.indexOf('## `tool a x`'));
    expect(a.indexOf('## `tool a x`')).toBeLessThan(a.indexOf('## `tool b`'));
    const section = a.slice(a.indexOf('## `tool b`'));
    expect(section.indexOf('--[no-]alpha')).toBeLessThan(section.indexOf('--zeta'));
    expect(section.indexOf('--zeta')).toBeLessThan(section.indexOf('Global flags:'));
  });

  it('spells topics with the CLI separator and fills in the placeholders', () => {
    const text = render({ commands: { 'agent:drain': command('agent:drain', { args: { agent: { name: 'agent', required: true, description: 'the agent' } } }) } }, pjson);
    expect(text).toContain('tool agent drain AGENT [FLAGS]');
    expect(text).toContain('Runs agent drain.');
    expect(text).toContain('$ tool agent drain --fast');
    expect(text).toContain('- `--zeta <value>`: last by name. One of `1`, `3`. Default: `3`.');
    expect(text).not.toContain('<%');
  });
});
