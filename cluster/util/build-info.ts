/** When the daemons were built, for VersionInfo (master and agent /version, /state, GET_VERSION). */
import { statSync } from 'node:fs';

/** VersionInfo's build fields (/state and GET_VERSION carry them in Mesos). */
export interface BuildInfo {
  build_date: string;
  build_time: number;
  build_user: string;
}

let build: BuildInfo | undefined;

/**
 * When this code was built: the time the compiled module was written. No build user is recorded,
 * so that field is empty rather than invented.
 */
export function buildInfo(): BuildInfo {
  if (!build) {
    let when = new Date();
    try {
      when = statSync(__filename).mtime;
    } catch {
      // A bundled daemon may have no file of its own; the start time stands in.
    }
    build = {
      build_date: when.toISOString().slice(0, 19).replace('T', ' '),
      build_time: Math.floor(when.getTime() / 1000),
      build_user: '',
    };
  }
  return build;
}
