/**
 * Host key pinning in an OpenSSH known_hosts file. A host seen for the first time is recorded; a host
 * that offers a key other than the recorded one is refused with HOST_KEY_CHANGED. There is no
 * "accept anything" mode.
 *
 * Every KnownHosts for one file shares one in-memory copy (re-read only when the file changes on
 * disk), and records are written synchronously as a whole new file renamed over the old one: in one
 * process writes cannot interleave, many connections recording at once all end up in the file, and a
 * reader never sees half a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SshError } from './ssh-error';
import {
  formatKnownHostLine,
  hostKeyAlgorithmsFor,
  hostPattern,
  lineMatches,
  parseKnownHosts,
  sshFingerprint,
  type KnownHostLine,
} from './ssh-host-keys';

interface Snapshot {
  /** Identifies the file version the lines came from (inode, size, mtime). */
  stamp: string;
  text: string;
  lines: KnownHostLine[];
}

const snapshots = new Map<string, Snapshot>();
let tmpCounter = 0;

function stampOf(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${tmpCounter++}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export class KnownHosts {
  readonly file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
  }

  private snapshot(): Snapshot {
    const stamp = stampOf(this.file);
    const cached = snapshots.get(this.file);
    if (cached && cached.stamp === stamp) return cached;
    const text = stamp === 'missing' ? '' : fs.readFileSync(this.file, 'utf8');
    const fresh = { stamp, text, lines: parseKnownHosts(text) };
    snapshots.set(this.file, fresh);
    return fresh;
  }

  /** The recorded keys of a host (all types). */
  lookup(host: string, port: number): KnownHostLine[] {
    const pattern = hostPattern(host, port);
    return this.snapshot().lines.filter((line) => lineMatches(line, pattern));
  }

  /** Host key algorithms to negotiate with a known host, so it cannot switch to a key type we never saw. */
  hostKeyAlgorithms(host: string, port: number): string[] | undefined {
    const known = this.lookup(host, port);
    return known.length ? hostKeyAlgorithmsFor(known.map((line) => line.keyType)) : undefined;
  }

  /** Record a key (first use, or a key a provider reported). Recording a key already there does nothing. */
  remember(host: string, port: number, keyType: string, keyBlob: Buffer): void {
    const key = keyBlob.toString('base64');
    if (this.lookup(host, port).some((line) => line.keyType === keyType && line.key === key)) return;
    const { text } = this.snapshot();
    const next = `${text}${text && !text.endsWith('\n') ? '\n' : ''}${formatKnownHostLine(host, port, keyType, keyBlob)}\n`;
    writeAtomically(this.file, next);
    snapshots.set(this.file, { stamp: stampOf(this.file), text: next, lines: parseKnownHosts(next) });
  }

  /** 'known' when the key is the recorded one, 'new' (and recorded) on first use, else HOST_KEY_CHANGED. */
  verify(host: string, port: number, keyType: string, keyBlob: Buffer): 'known' | 'new' {
    const known = this.lookup(host, port);
    if (!known.length) {
      this.remember(host, port, keyType, keyBlob);
      return 'new';
    }
    const key = keyBlob.toString('base64');
    if (known.some((line) => line.keyType === keyType && line.key === key)) return 'known';
    throw this.changed(host, port, known, keyType, keyBlob);
  }

  private changed(host: string, port: number, known: KnownHostLine[], keyType: string, keyBlob: Buffer): SshError {
    const sameType = known.filter((line) => line.keyType === keyType);
    const recorded = (sameType.length ? sameType : known)
      .map((line) => `${line.keyType} ${sshFingerprint(Buffer.from(line.key, 'base64'))}`)
      .join(', ');
    const pattern = hostPattern(host, port);
    return new SshError(
      'HOST_KEY_CHANGED',
      host,
      `the host key of ${host}:${port} has changed: ${this.file} records ${recorded}, but the host now offers ` +
        `${keyType} ${sshFingerprint(keyBlob)}. Someone may be intercepting the connection, or the host was ` +
        `reinstalled; nothing was run on it. If the change is expected, remove the line for ${pattern} from ${this.file} ` +
        'and connect again.',
      [
        `remove the old key: ssh-keygen -R '${pattern}' -f ${this.file}`,
        `compare with the key on the host itself: ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-/, '').replace(/-.*$/, '')}_key.pub`,
      ],
    );
  }
}
