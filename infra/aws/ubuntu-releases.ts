/**
 * Canonical's Ubuntu image names, read: which release and build an image is, whether the release
 * is an LTS, and which of two images is newer. Pure, so the image lookup's choice is testable alone.
 */

/** Canonical's names: ubuntu/images/<volume flavour>/ubuntu-<codename>-<YY.MM>-<arch>-server-<build>. */
const UBUNTU_NAME = /^ubuntu\/images\/[^/]+\/ubuntu-[a-z]+-(\d{2})\.(\d{2})-(amd64|arm64)-server-(\d{8})(?:\.(\d+))?$/;

export interface UbuntuRelease {
  year: number;
  month: number;
  arch: 'amd64' | 'arm64';
  /** The build date (yyyymmdd) and its respin number, for ordering builds of one release. */
  build: number;
  respin: number;
}

/** The release an image name is of, or undefined for anything that is not a Canonical server image name. */
export function ubuntuRelease(name: string): UbuntuRelease | undefined {
  const m = UBUNTU_NAME.exec(name);
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), arch: m[3] as 'amd64' | 'arm64', build: Number(m[4]), respin: Number(m[5] ?? 0) };
}

/** LTS releases come every two years in April: 20.04, 22.04, 24.04. */
export function isLts(r: UbuntuRelease): boolean {
  return r.month === 4 && r.year % 2 === 0;
}

/** Newest release first, then newest build, then the newer image of two alike (a gp3 re-publish). */
export function newerFirst(a: { r: UbuntuRelease; creationDate: string }, b: { r: UbuntuRelease; creationDate: string }): number {
  return b.r.year - a.r.year || b.r.month - a.r.month || b.r.build - a.r.build || b.r.respin - a.r.respin || b.creationDate.localeCompare(a.creationDate);
}
