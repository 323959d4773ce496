/**
 * Where a machine image built by `mesoscloud ami build` keeps what it brings, and how an instance of
 * it hands that to a cluster. The cluster's own layout (remote-layout.ts) is per cluster name, which
 * an image cannot know when it is built: so the image holds the daemon bundle under a directory of
 * its own, and `adoptImageCommand(cluster)` (run by the cluster's user data, or by hand) links it
 * into the cluster's bundle directory and records the bundle and Node steps in the cluster's host
 * state, exactly as the SSH bootstrap would have: the bootstrap then uploads nothing.
 */
import * as path from 'node:path';

/** The image's own directory: its bundle and manifest, shared by every cluster on the instance. */
export const IMAGE_DIR = '/opt/mesoscloud-image';
/** What the image holds (ImageManifest, JSON). */
export const IMAGE_MANIFEST = path.posix.join(IMAGE_DIR, 'manifest.json');
/** The script that hands the image's bundle to a cluster: `mesoscloud-adopt-image <cluster>`. */
export const ADOPT_SCRIPT = '/usr/local/sbin/mesoscloud-adopt-image';

export interface ImageManifest {
  /** The package version the bundle was built from. */
  version: string;
  bundle: { sha256: string; path: string };
  node: { path: string; version: string };
  java: boolean;
  zookeeper: boolean;
  /** The image it was built on (an AMI id). */
  baseImage: string;
  /** ISO 8601. */
  builtAt: string;
}

/** The image's copy of a bundle: named like the cluster's (by sha12), in the image's directory. */
export function imageBundlePath(sha12Hex: string): string {
  return path.posix.join(IMAGE_DIR, `mesoscloud-daemon-${sha12Hex}.js`);
}

/** The command a cluster's first boot runs (as root) on an instance of our image; a no-op elsewhere. */
export function adoptImageCommand(cluster: string): string {
  // The script checks the name itself; here it only has to arrive as one word.
  if (!/^[a-z0-9-]+$/.test(cluster)) throw new Error(`a cluster name is lowercase letters, digits and '-', got '${cluster}'`);
  return `if [ -x ${ADOPT_SCRIPT} ]; then ${ADOPT_SCRIPT} ${cluster}; fi`;
}
