#!/usr/bin/env node
/**
 * Builds the web UI into dist/webui/: app.js (esbuild bundle of cluster/webui/main.ts), styles.css,
 * favicon.svg and index.html. index.html names each asset with a content hash in its query, so the
 * master can let browsers cache assets for good while index.html itself is always revalidated.
 */
const path = require('node:path');
const fs = require('node:fs');
const crypto = require('node:crypto');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'cluster', 'webui');
const out = path.join(root, 'dist', 'webui');
fs.mkdirSync(out, { recursive: true });

esbuild.buildSync({
  entryPoints: [path.join(src, 'main.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'es2020',
  format: 'iife',
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
fs.copyFileSync(path.join(src, 'styles.css'), path.join(out, 'styles.css'));
fs.copyFileSync(path.join(src, 'favicon.svg'), path.join(out, 'favicon.svg'));

const hash = (file) => crypto.createHash('sha256').update(fs.readFileSync(path.join(out, file))).digest('hex').slice(0, 12);
const html = fs.readFileSync(path.join(src, 'index.html'), 'utf8')
  .replace('__APP_HASH__', hash('app.js'))
  .replace('__STYLES_HASH__', hash('styles.css'));
// Written last and atomically: a master serving mid-build never sees an index naming missing assets.
fs.writeFileSync(path.join(out, 'index.html.tmp'), html);
fs.renameSync(path.join(out, 'index.html.tmp'), path.join(out, 'index.html'));
