#!/usr/bin/env node
/**
 * Builds the daemon bundle the launcher pushes to hosts: dist/daemon/mesoscloud-daemon.js, one
 * CommonJS file (daemon/entry.ts and everything it uses) that needs nothing but Node 20. The web UI
 * (dist/webui, written by scripts/build-webui.js before this runs) travels inside it, and the
 * package version is written into it: in its first line, and where `version` prints it.
 */
const path = require('node:path');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { builtinModules } = require('node:module');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'daemon', 'mesoscloud-daemon.js');
const webui = path.join(root, 'dist', 'webui');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The files the master serves at / and /static/; the source map stays behind. */
const UI_FILES = ['index.html', 'app.js', 'styles.css', 'favicon.svg'];

/**
 * zod's namespace carries its error messages in some fifty languages (about 260 KiB minified), and
 * a namespace is not tree-shaken. The daemons speak English only: their locale list holds just `en`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    const zodDir = `${path.sep}node_modules${path.sep}zod${path.sep}`;
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      (args.importer.includes(zodDir) ? { path: path.resolve(path.dirname(args.importer), args.path), namespace: 'zod-locales' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

function embeddedWebUi() {
  const missing = UI_FILES.filter((f) => !fs.existsSync(path.join(webui, f)));
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} missing in ${webui}; run scripts/build-webui.js first (npm run build does)`);
  }
  return Object.fromEntries(UI_FILES.map((f) => {
    const text = fs.readFileSync(path.join(webui, f), 'utf8');
    // Its map is not embedded: no pointer to a file the bundled master cannot serve.
    return [f, f.endsWith('.js') ? text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n') : text];
  }));
}

async function build() {
  fs.rmSync(`${outfile}.map`, { force: true });
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'daemon', 'entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    tsconfig: path.join(root, 'tsconfig.build.json'),
    banner: { js: `// mesoscloud-daemon ${version}` },
    define: {
      MESOSCLOUD_DAEMON_VERSION: JSON.stringify(version),
      MESOSCLOUD_EMBEDDED_WEBUI: JSON.stringify(embeddedWebUi()),
    },
    plugins: [zodEnglishOnly],
  });

  // What the file requires at run time must be Node's own: the hosts have no node_modules.
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const outside = Object.values(result.metafile.outputs).flatMap((o) => o.imports).filter((i) => i.external && !builtins.has(i.path));
  if (outside.length > 0) {
    fs.rmSync(outfile, { force: true });
    throw new Error(`the bundle would require ${[...new Set(outside.map((i) => i.path))].join(', ')} at run time; it may need only Node's built-in modules`);
  }

  const content = fs.readFileSync(outfile);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`daemon bundle: ${path.relative(root, outfile)} ${kib(content.length)} (${kib(zlib.gzipSync(content, { level: 9 }).length)} gzipped), version ${version}`);
}

build().catch((err) => {
  console.error(`build-daemon: ${err.message}`);
  process.exit(1);
});
