#!/usr/bin/env node
// Bundles the web UI (cluster/webui/main.ts) into dist/webui/ with esbuild; the master serves that folder.
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'webui');
fs.mkdirSync(out, { recursive: true });
esbuild.buildSync({
  entryPoints: [path.join(root, 'cluster', 'webui', 'main.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'es2020',
  format: 'iife',
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
