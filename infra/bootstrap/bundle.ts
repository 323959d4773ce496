/**
 * The daemon bundle the launcher pushes to hosts (built by scripts/build-daemon.js), read once with
 * its content hash: hosts keep it as mesoscloud-daemon-<sha12>.js, so a new build is a new file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProviderError } from '../errors';
import { packageRoot } from '../package-root';

export const DAEMON_BUNDLE_ENV = 'MESOSCLOUD_DAEMON_BUNDLE';
/** Where `npm run build` writes it, under the package root. */
export const DAEMON_BUNDLE_PATH = path.join('dist', 'daemon', 'mesoscloud-daemon.js');

export interface DaemonBundle {
  path: string;
  content: Buffer;
  sha256: string;
  sha12: string;
  size: number;
  /** The package version it was built from. */
  version: string;
}

const bundleError = (message: string, suggestions: string[]) => new ProviderError('DAEMON_BUNDLE_MISSING', message, suggestions);

/** `MESOSCLOUD_DAEMON_BUNDLE` when set, else the package's own build. */
export function findDaemonBundle(env: NodeJS.ProcessEnv = process.env): DaemonBundle {
  const override = env[DAEMON_BUNDLE_ENV];
  const file = override ? path.resolve(override) : path.join(packageRoot(), DAEMON_BUNDLE_PATH);
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw override
      ? bundleError(`${DAEMON_BUNDLE_ENV} names '${file}', which cannot be read (${why})`, [
        `point ${DAEMON_BUNDLE_ENV} at a built bundle, or unset it to use ${DAEMON_BUNDLE_PATH} of this package`,
      ])
      : bundleError(`the daemon bundle is not built: '${file}' cannot be read (${why})`, [
        'run `npm run build` in the mesoscloud package (it writes dist/daemon/mesoscloud-daemon.js)',
      ]);
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  return { path: file, content, sha256, sha12: sha256.slice(0, 12), size: content.length, version: bundleVersion(file, content) };
}

/** The build writes "// mesoscloud-daemon <version>" first; a bundle without it is asked. */
function bundleVersion(file: string, content: Buffer): string {
  const banner = /^\/\/ mesoscloud-daemon (\S+)\n/.exec(content.subarray(0, 200).toString('utf8'));
  if (banner) return banner[1];
  try {
    const out = execFileSync(process.execPath, [file, 'version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const version = (JSON.parse(out) as { version?: unknown }).version;
    if (typeof version === 'string') return version;
  } catch {
    // Reported below.
  }
  throw bundleError(`'${file}' does not look like a mesoscloud daemon bundle: it has no version banner and \`node ${file} version\` did not answer`, [
    'build one with `npm run build` (scripts/build-daemon.js)',
  ]);
}
