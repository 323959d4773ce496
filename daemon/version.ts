/** The package version the bundle was built from (scripts/build-daemon.js defines it from package.json). */
declare const MESOSCLOUD_DAEMON_VERSION: string | undefined;

export const DAEMON_VERSION: string = typeof MESOSCLOUD_DAEMON_VERSION === 'string' ? MESOSCLOUD_DAEMON_VERSION : '0.0.0-unbundled';

export function versionJson(): string {
  return JSON.stringify({ version: DAEMON_VERSION, node: process.version });
}
