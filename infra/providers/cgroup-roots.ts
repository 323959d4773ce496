/**
 * Removing a local cluster's cgroup root (named by --cgroups_root) when it is destroyed, on cgroups
 * v1 (one directory per controller hierarchy) and v2 (one unified directory). Cgroup directories
 * go with rmdir alone, and only once empty: leftover container cgroups below the root go first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function removeCgroupRoot(name: string, mount = '/sys/fs/cgroup'): string[] {
  const removed: string[] = [];
  for (const dir of candidates(mount, name)) {
    for (const child of subdirectories(dir)) rmdirQuietly(child);
    if (rmdirQuietly(dir)) removed.push(dir);
  }
  return removed;
}

function candidates(mount: string, name: string): string[] {
  const dirs = [path.join(mount, name)];
  for (const hierarchy of subdirectories(mount)) dirs.push(path.join(hierarchy, name));
  return dirs.filter((dir) => isDirectory(dir));
}

function subdirectories(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function rmdirQuietly(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}
