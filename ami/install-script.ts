/**
 * The shell the image builder runs on its instance, as text (pure: the build sends it over SSH).
 * Each step first checks what the host already has, with the same checks the SSH bootstrap makes
 * (infra/bootstrap/host-facts.ts), so an instance of the image passes them and the bootstrap skips
 * its own installs; and a host that already has Node, Java and ZooKeeper downloads nothing.
 */
import type { HostFacts } from '../infra/bootstrap/host-facts';
import { emptyState, record, STEP } from '../infra/bootstrap/host-state';
import { shellQuote as q } from '../infra/bootstrap/ssh-quote';
import { ADOPT_SCRIPT, type ImageManifest } from '../infra/plan/image-layout';
import { remoteLayout, sha12 } from '../infra/plan/remote-layout';

/**
 * Java (OpenJDK 17's headless JRE) and Debian/Ubuntu's `zookeeper` package, whichever the host lacks
 * by the bootstrap's own test; undefined when it has both. ZooKeeper is installed, never started:
 * the bootstrap runs it per cluster with its own config.
 */
export function packagesInstallScript(facts: Pick<HostFacts, 'java' | 'zookeeper' | 'packageManager'>): { packages: string[]; script: string } | { problem: string } | undefined {
  const packages = [...(facts.java ? [] : ['openjdk-17-jre-headless']), ...(facts.zookeeper ? [] : ['zookeeper'])];
  if (packages.length === 0) return undefined;
  if (facts.packageManager !== 'apt-get') {
    return { problem: `the base image lacks ${packages.join(' and ')} and has no apt-get (found ${facts.packageManager ?? 'no package manager'}); images are built on Ubuntu or Debian` };
  }
  return {
    packages,
    script: [
      'set -e',
      'export DEBIAN_FRONTEND=noninteractive',
      'apt-get update -qq',
      `apt-get install -y -qq --no-install-recommends ${packages.join(' ')}`,
      // Some releases ship a unit with the package: the cluster starts its own ZooKeeper, never this one.
      'if command -v systemctl >/dev/null 2>&1; then systemctl disable --now zookeeper.service >/dev/null 2>&1 || true; fi',
    ].join('\n'),
  };
}

/** The placeholder the adopt script's paths are written with; the script substitutes its argument. */
const CLUSTER_VAR = '${cluster}';

/**
 * The adopt script (ADOPT_SCRIPT) of an image holding `manifest`'s bundle. Its paths come from the
 * cluster layout itself (remote-layout.ts) with the cluster name left to the shell, so they cannot
 * drift from where the bootstrap looks; and it writes the host state the bootstrap would have written
 * after uploading this bundle, unless the cluster already has a state file (a host that ran launch).
 */
export function adoptScript(manifest: ImageManifest): string {
  const layout = remoteLayout(CLUSTER_VAR);
  const target = layout.bundlePath(sha12(manifest.bundle.sha256));
  const at = new Date(manifest.builtAt);
  let state = record(emptyState(), STEP.node, { detail: { version: manifest.node.version, path: manifest.node.path } }, at);
  state = record(state, STEP.bundle, { hash: manifest.bundle.sha256, detail: { path: target, version: manifest.version } }, at);
  const json = JSON.stringify(state, null, 2);
  // The state goes through an unquoted here-document (to fill in the cluster): nothing else in it may expand.
  if (/[`\\]|\$(?!\{cluster\})/.test(json)) throw new Error(`the image's host state cannot go into a here-document: ${json}`);
  return [
    '#!/bin/sh',
    `# Written by mesoscloud ami build (${manifest.version}): hands this image's daemon bundle to a cluster,`,
    '# so that the launcher finds it in place and uploads nothing. Usage: mesoscloud-adopt-image <cluster>',
    'set -eu',
    'cluster="${1:-}"',
    'case "$cluster" in',
    `  ''|-*|*-|*[!a-z0-9-]*) echo "usage: ${ADOPT_SCRIPT} <cluster>: a cluster name is 1-63 lowercase letters, digits or '-', not starting or ending with '-'; got '$cluster'" >&2; exit 2 ;;`,
    'esac',
    `[ \${#cluster} -le 63 ] || { echo "${ADOPT_SCRIPT}: a cluster name has at most 63 characters; got '$cluster'" >&2; exit 2; }`,
    `mkdir -p "${layout.bundleDir}"`,
    `ln -f ${q(manifest.bundle.path)} "${target}" 2>/dev/null || cp -f ${q(manifest.bundle.path)} "${target}"`,
    `chmod 644 "${target}"`,
    `if [ ! -s "${layout.statePath}" ]; then`,
    `  mkdir -p "${layout.dataDir}"`,
    `  cat > "${layout.statePath}.tmp" <<EOF`,
    json,
    'EOF',
    `  mv -f "${layout.statePath}.tmp" "${layout.statePath}"`,
    'fi',
    `echo "cluster $cluster: daemon bundle ${manifest.bundle.sha256.slice(0, 12)} in place at ${target}"`,
    '',
  ].join('\n');
}

/**
 * Leaves the instance fit to be imaged: package caches gone; with cloud-init, its per-instance
 * state, logs and machine-id reset and the SSH host keys deleted, so every instance of the image
 * makes its own host keys on first boot and prints them to the console (where the launcher pins
 * them); and the builder's key taken out of the login user's authorized_keys, because cloud-init
 * adds each instance's own launch key there on first boot and the builder's has no business in it.
 */
export function imagingCleanupScript(loginUser: string, builderPublicKey: string): string {
  const blob = builderPublicKey.trim().split(/\s+/)[1] ?? '';
  if (!/^[A-Za-z0-9+/=]+$/.test(blob)) throw new Error(`the builder's public key is not an OpenSSH key line: '${builderPublicKey}'`);
  return [
    'if command -v apt-get >/dev/null 2>&1; then apt-get clean; rm -rf /var/lib/apt/lists/*; fi',
    `home=$(getent passwd ${q(loginUser)} | cut -d: -f6)`,
    `if [ -n "$home" ] && [ -f "$home/.ssh/authorized_keys" ]; then grep -v -F ${q(blob)} "$home/.ssh/authorized_keys" > "$home/.ssh/authorized_keys.new" || true; cat "$home/.ssh/authorized_keys.new" > "$home/.ssh/authorized_keys"; rm -f "$home/.ssh/authorized_keys.new"; fi`,
    'rm -f /root/.bash_history "$home/.bash_history"',
    'if command -v cloud-init >/dev/null 2>&1; then',
    '  cloud-init clean --logs --machine-id >/dev/null 2>&1 || cloud-init clean --logs',
    '  rm -f /etc/ssh/ssh_host_*',
    'fi',
    'true',
  ].join('\n');
}
