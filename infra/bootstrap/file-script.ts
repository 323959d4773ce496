/**
 * Writing several small files on a host in one round trip: each is decoded from base64 into a
 * temporary file beside its target, given its mode, then renamed over the target, so a reader (a
 * restarting daemon, a resumed launch) never sees half a file.
 */
import { shellQuote as q } from './ssh-quote';

export interface RemoteFile { path: string; content: string | Buffer; mode: number }

export function writeFilesScript(files: readonly RemoteFile[], dirs: readonly string[] = []): string {
  const lines = ['set -e', 'umask 022'];
  if (dirs.length > 0) lines.push(`mkdir -p ${dirs.map(q).join(' ')}`);
  for (const f of files) {
    const tmp = `${f.path}.tmp.$$`;
    const b64 = Buffer.isBuffer(f.content) ? f.content.toString('base64') : Buffer.from(f.content).toString('base64');
    lines.push(
      `mkdir -p ${q(parentOf(f.path))}`,
      `printf '%s' ${q(b64)} | base64 -d > ${q(tmp)}`,
      `chmod ${(f.mode & 0o7777).toString(8)} ${q(tmp)}`,
      `mv -f ${q(tmp)} ${q(f.path)}`,
    );
  }
  return lines.join('\n');
}

export function parentOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i <= 0 ? '/' : file.slice(0, i);
}
