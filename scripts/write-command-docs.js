#!/usr/bin/env node
// Renders docs/commands.md from oclif.manifest.json (written by `npm run build`), so the command
// reference is the commands' own summaries, descriptions, flags and examples and cannot drift from them.
//   node scripts/write-command-docs.js           write docs/commands.md
//   node scripts/write-command-docs.js --check   exit 1 when docs/commands.md differs from what it would write
// The rendering is a pure function of the manifest and package.json (`render`), used by the unit test too.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MANIFEST = path.join(ROOT, 'oclif.manifest.json');
const TARGET = path.join(ROOT, 'docs', 'commands.md');

/** A command id (`agent:drain`) as typed on the command line (`agent drain`, topicSeparator " "). */
function spelled(id, separator) {
  return id.split(':').join(separator);
}

/** oclif's placeholders in examples and descriptions, as `--help` shows them. */
function expand(text, bin, command) {
  return String(text)
    .replace(/<%=\s*config\.bin\s*%>/g, bin)
    .replace(/<%=\s*command\.id\s*%>/g, command);
}

function compareStrings(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Flags sorted by name, global ones (`helpGroup: GLOBAL`) last, hidden ones left out. */
function sortedFlags(command) {
  const flags = Object.values(command.flags || {}).filter((f) => !f.hidden);
  const own = flags.filter((f) => f.helpGroup !== 'GLOBAL').sort((a, b) => compareStrings(a.name, b.name));
  const global = flags.filter((f) => f.helpGroup === 'GLOBAL').sort((a, b) => compareStrings(a.name, b.name));
  return { own, global };
}

function argsOf(command) {
  return Object.values(command.args || {}).filter((a) => !a.hidden);
}

function argToken(arg) {
  const name = arg.name.toUpperCase();
  return arg.required ? name : `[${name}]`;
}

function flagSpelling(flag) {
  const long = flag.type === 'boolean' && flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`;
  const value = flag.type === 'option' ? ' <value>' : '';
  return (flag.char ? `-${flag.char}, ` : '') + long + value;
}

/** Ends a flag's or argument's one-line description with a full stop when the notes follow it. */
function sentence(text) {
  return text && !/[.!?]$/.test(text) ? text + '.' : text;
}

function inline(value) {
  return '`' + String(value) + '`';
}

function flagLine(flag, bin, command) {
  const notes = [];
  if (flag.required) notes.push('Required.');
  if (flag.options && flag.options.length) notes.push(`One of ${flag.options.map(inline).join(', ')}.`);
  if (flag.default !== undefined && flag.default !== null && !(flag.type === 'boolean' && flag.default === false)) {
    notes.push(`Default: ${inline(Array.isArray(flag.default) ? flag.default.join(',') : flag.default)}.`);
  }
  if (flag.multiple) notes.push('May be given more than once.');
  if (flag.env) notes.push(`Environment: ${inline(flag.env)}.`);
  if (flag.aliases && flag.aliases.length) notes.push(`Also spelled ${flag.aliases.map((a) => inline((a.length === 1 ? '-' : '--') + a)).join(', ')}.`);
  if (flag.exclusive && flag.exclusive.length) notes.push(`Not with ${flag.exclusive.map((f) => inline('--' + f)).join(', ')}.`);
  if (flag.dependsOn && flag.dependsOn.length) notes.push(`Needs ${flag.dependsOn.map((f) => inline('--' + f)).join(', ')}.`);
  const description = expand((flag.summary || flag.description || '').trim(), bin, command).replace(/\s*\n\s*/g, ' ');
  const text = [notes.length ? sentence(description) : description, ...notes].filter(Boolean).join(' ');
  return `- ${inline(flagSpelling(flag))}${text ? ': ' + text : ''}`;
}

function exampleLines(command, bin, spelledId) {
  const lines = [];
  for (const example of command.examples || []) {
    if (typeof example === 'string') {
      for (const line of expand(example, bin, spelledId).split('\n')) lines.push(line.length ? `$ ${line}` : '');
    } else if (example && typeof example.command === 'string') {
      if (example.description) lines.push(`# ${expand(example.description, bin, spelledId)}`);
      lines.push(`$ ${expand(example.command, bin, spelledId)}`);
    }
  }
  return lines;
}

/**
 * docs/commands.md from a manifest (`{commands: {id: command}}`) and package.json. Deterministic:
 * commands sorted by id, flags by name, no version or date, one trailing newline.
 */
function render(manifest, pjson) {
  const oclif = (pjson && pjson.oclif) || {};
  const bin = oclif.bin || pjson.name;
  const separator = oclif.topicSeparator === undefined ? ':' : oclif.topicSeparator;
  const commands = Object.values(manifest.commands || {})
    .filter((c) => !c.hidden)
    .sort((a, b) => compareStrings(spelled(a.id, ' '), spelled(b.id, ' ')));

  const out = [];
  out.push('# Command reference', '');
  out.push(
    `Generated from the commands themselves (their summaries, descriptions, flags and examples) by`,
    '`npm run docs`, which runs `scripts/write-command-docs.js` on the built `oclif.manifest.json`.',
    'Do not edit this file by hand: change the command, then run `npm run build && npm run docs`.',
    `\`${bin} COMMAND --help\` prints the same text.`,
    '',
  );
  for (const c of commands) {
    const id = spelled(c.id, separator);
    const anchor = `${bin} ${spelled(c.id, ' ')}`.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
    out.push(`- [\`${bin} ${id}\`](#${anchor})${c.summary ? ': ' + expand(c.summary, bin, id) : ''}`);
  }
  out.push('');

  for (const c of commands) {
    const id = spelled(c.id, separator);
    const full = `${bin} ${id}`;
    const { own, global } = sortedFlags(c);
    const args = argsOf(c);
    out.push(`## \`${full}\``, '');
    if (c.summary) out.push(expand(c.summary.trim(), bin, id), '');
    const usage = [full, ...args.map(argToken), ...(own.length || global.length ? ['[FLAGS]'] : [])].join(' ');
    out.push('```', usage, '```', '');
    if (c.description) {
      out.push(expand(c.description.trim(), bin, id), '');
    }
    if (c.aliases && c.aliases.length) {
      out.push(`Also: ${c.aliases.map((a) => inline(`${bin} ${spelled(a, separator)}`)).join(', ')}.`, '');
    }
    if (args.length) {
      out.push('Arguments:', '');
      for (const a of args) {
        const notes = [];
        if (!a.required) notes.push('Optional.');
        if (a.options && a.options.length) notes.push(`One of ${a.options.map(inline).join(', ')}.`);
        if (a.default !== undefined && a.default !== null) notes.push(`Default: ${inline(a.default)}.`);
        const description = expand((a.description || '').trim(), bin, id);
        const text = [notes.length ? sentence(description) : description, ...notes].filter(Boolean).join(' ');
        out.push(`- ${inline(a.name.toUpperCase())}${text ? ': ' + text : ''}`);
      }
      out.push('');
    }
    if (own.length) {
      out.push('Flags:', '');
      for (const f of own) out.push(flagLine(f, bin, id));
      out.push('');
    }
    if (global.length) {
      out.push('Global flags:', '');
      for (const f of global) out.push(flagLine(f, bin, id));
      out.push('');
    }
    const examples = exampleLines(c, bin, id);
    if (examples.length) {
      out.push('Examples:', '', '```sh', ...examples, '```', '');
    }
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function readInputs(root = ROOT) {
  const manifestPath = path.join(root, 'oclif.manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${path.relative(root, manifestPath)} is missing: run \`npm run build\` first`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return { manifest, pjson };
}

/** What docs/commands.md should hold, from the built manifest. */
function expected(root = ROOT) {
  const { manifest, pjson } = readInputs(root);
  return render(manifest, pjson);
}

function main(argv) {
  const check = argv.includes('--check');
  const text = expected();
  const rel = path.relative(ROOT, TARGET);
  if (check) {
    const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : null;
    if (current !== text) {
      process.stderr.write(
        `${rel} ${current === null ? 'is missing' : 'is out of date with the commands'}: run \`npm run docs\` (after \`npm run build\`) and commit the result\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${rel} is up to date\n`);
    return;
  }
  fs.mkdirSync(path.dirname(TARGET), { recursive: true });
  fs.writeFileSync(TARGET, text);
  process.stdout.write(`${rel}: ${Object.keys(readInputs().manifest.commands).length} commands\n`);
}

module.exports = { render, expected, readInputs, TARGET, MANIFEST };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`write-command-docs: ${err.message}\n`);
    process.exitCode = 1;
  }
}
