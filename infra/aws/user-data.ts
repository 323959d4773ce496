/**
 * What an instance runs at first boot (cloud-init user data): Node.js 20 for the daemons, from the
 * official nodejs.org tarball of a pinned release whose sha256 is checked, into /usr/local, when no
 * Node 20 or later is there already. Nothing else: ZooKeeper and Java are installed by the SSH
 * bootstrap, which would otherwise wait on (or fight over) the dpkg lock held by apt running here.
 * An image from `mesoscloud ami build` has Node already: its user data hands the image's daemon
 * bundle to the cluster (infra/plan/image-layout.ts) and writes the marker.
 *
 * The script leaves cloud-init's own modules alone, so the SSH host keys still reach the console
 * output, where the launcher pins them from. It ends by writing USER_DATA_DONE, which the launcher
 * waits for (or `cloud-init status --wait`) before it bootstraps over SSH.
 */

import { adoptImageCommand } from '../plan/image-layout';

/** The Node.js release the hosts run, and the sha256 of its linux .tar.xz files (nodejs.org SHASUMS256.txt). */
export const NODE_RELEASE = {
  version: '20.18.1',
  sha256: {
    x64: 'c6fa75c841cbffac851678a472f2a5bd612fff8308ef39236190e1f8dbb0e567',
    arm64: '44d1ffc5905c005ace4515ca6f8c090c4c7cfce3a9a67df0dba35c727590b8f6',
  },
} as const;
export const MIN_NODE_MAJOR = 20;
export const NODE_DIST_URL = 'https://nodejs.org/dist';
/** Written last: the user data ran to its end. */
export const USER_DATA_DONE = '/var/lib/mesoscloud/user-data.done';
export const USER_DATA_LOG = '/var/log/mesoscloud-user-data.log';

export interface NodeInstallOptions {
  /** Where Node goes (bin/node, lib/node_modules/npm, ...); default /usr/local. */
  prefix?: string;
  /** Where the tarball comes from; default nodejs.org. A mirror must hold the same files. */
  distUrl?: string;
  /** Another release and its sums (tests install a small stand-in this way); default NODE_RELEASE. */
  release?: { version: string; sha256: { x64: string; arm64: string } };
}

/**
 * A bash script that installs the pinned Node.js when `node` is missing or older than 20, and does
 * nothing otherwise (run it twice: the second run changes nothing). `mesoscloud ami build` runs the
 * same script, so instances and images carry the same Node.
 */
export function nodeInstallScript(options: NodeInstallOptions = {}): string {
  const prefix = options.prefix ?? '/usr/local';
  const dist = options.distUrl ?? NODE_DIST_URL;
  const release = options.release ?? NODE_RELEASE;
  const v = release.version;
  return `#!/bin/bash
# Installs Node.js ${v} into ${prefix} unless Node ${MIN_NODE_MAJOR} or later is already there.
set -euo pipefail
node_ok() {
  local n major
  for n in "$(command -v node || true)" ${prefix}/bin/node; do
    [ -n "$n" ] && [ -x "$n" ] || continue
    major="$("$n" -v 2>/dev/null | sed -n 's/^v\\([0-9][0-9]*\\)\\..*/\\1/p')"
    if [ -n "$major" ] && [ "$major" -ge ${MIN_NODE_MAJOR} ]; then echo "Node.js $("$n" -v) is at $n"; return 0; fi
  done
  return 1
}
if node_ok; then exit 0; fi
case "$(uname -m)" in
  x86_64|amd64) arch=x64; sum=${release.sha256.x64} ;;
  aarch64|arm64) arch=arm64; sum=${release.sha256.arm64} ;;
  *) echo "no Node.js build for machine type $(uname -m); the daemons need x86_64 or aarch64" >&2; exit 1 ;;
esac
dir="node-v${v}-linux-$arch"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for attempt in 1 2 3 4 5; do
  if curl -fsSL --connect-timeout 20 --max-time 600 -o "$tmp/$dir.tar.xz" "${dist}/v${v}/$dir.tar.xz"; then break; fi
  if [ "$attempt" = 5 ]; then echo "could not download ${dist}/v${v}/$dir.tar.xz" >&2; exit 1; fi
  sleep $((attempt * 5))
done
if ! echo "$sum  $tmp/$dir.tar.xz" | sha256sum -c --status -; then
  echo "$dir.tar.xz does not have the sha256 of Node.js ${v} ($sum); not installing it" >&2
  exit 1
fi
mkdir -p ${prefix}
tar -xJf "$tmp/$dir.tar.xz" -C ${prefix} --strip-components=1 --no-same-owner "$dir/bin" "$dir/lib" "$dir/include" "$dir/share"
echo "installed Node.js $(${prefix}/bin/node -v) into ${prefix}"
`;
}

/** The user data of every instance of a cluster (the same for all: roles are set up over SSH). */
export function userData(config: { cluster: string; imageHasDaemons: boolean }): string {
  const install = config.imageHasDaemons
    ? `# The image was built by mesoscloud ami build: Node.js is installed, and its daemon bundle is handed to the cluster.\n${adoptImageCommand(config.cluster)}`
    : `# Node.js for the daemons.\n/bin/bash <<'MESOSCLOUD_NODE'\n${nodeInstallScript()}MESOSCLOUD_NODE`;
  return `#!/bin/bash
# mesoscloud cluster ${config.cluster}: first-boot setup. Output goes to ${USER_DATA_LOG}.
set -euo pipefail
exec >>${USER_DATA_LOG} 2>&1
${install}
mkdir -p ${USER_DATA_DONE.replace(/\/[^/]*$/, '')}
date -u +%Y-%m-%dT%H:%M:%SZ > ${USER_DATA_DONE}
`;
}
