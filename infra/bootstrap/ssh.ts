/**
 * One SSH connection to a host, the way the bootstrap uses it: commands with exit codes, files written
 * atomically, commands as root (through `sudo -n` when the login user is not root), TCP from the host,
 * and an interactive shell. Host keys are pinned (known-hosts.ts); a jump host is reached first and the
 * target through a channel of it, both keys checked.
 */
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, ClientChannel } from 'ssh2';
import type { KnownHosts } from './known-hosts';
import { openShell, type ShellOptions } from './shell';
import { resolveAuth, type SshAuth } from './ssh-auth';
import { connectContext, KEEPALIVE_COUNT_MAX, KEEPALIVE_INTERVAL_MS, openClient, type SshEndpoint } from './ssh-client';
import { connectError, SshError } from './ssh-error';
import { collectChannel, type ExecOptions, type ExecResult } from './ssh-exec';
import { shellQuote } from './ssh-quote';

export { KnownHosts } from './known-hosts';
export { SshError, type SshErrorCode } from './ssh-error';
export type { SshAuth } from './ssh-auth';
export type { SshEndpoint } from './ssh-client';
export type { ExecOptions, ExecResult } from './ssh-exec';
export type { ShellOptions } from './shell';

export interface SshConnectOptions extends SshEndpoint {
  auth: SshAuth;
  knownHosts: KnownHosts;
  bastion?: SshEndpoint;
  readyTimeoutMs?: number;
}

export interface UploadOptions {
  /** File mode (default 0o644). */
  mode?: number;
  asRoot?: boolean;
  /** The user (and its primary group) the file then belongs to; with asRoot. */
  owner?: string;
  /**
   * Send it gzipped and let the host's gzip restore it (a third of the bytes for the daemon bundle);
   * a host without gzip gets it as it is.
   */
  compress?: boolean;
}

/** Exit status of the upload script when the host has no gzip to restore a compressed upload. */
const NO_GZIP = 97;

/** Each buffer is compressed once, however many hosts it goes to. */
const compressed = new WeakMap<Buffer, Buffer>();

function gzipOnce(content: Buffer): Buffer {
  let gz = compressed.get(content);
  if (!gz) {
    gz = gzipSync(content, { level: 9 });
    compressed.set(content, gz);
  }
  return gz;
}

export const DEFAULT_READY_TIMEOUT_MS = 15_000;
/** OpenSSH allows 10 sessions per connection (MaxSessions); more at once are refused, so we queue. */
const MAX_SESSIONS = 8;
const OPEN_RETRIES = 30;

function forwardOutOf(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => (err ? reject(err) : resolve(channel)));
    } catch (err) {
      reject(err);
    }
  });
}

function tail(text: string, max = 2000): string {
  const trimmed = text.trimEnd();
  return trimmed.length > max ? `...${trimmed.slice(-max)}` : trimmed;
}

function commandSuggestions(endpoint: SshEndpoint, stderr: string): string[] {
  if (/sudo: (a )?password is required|sudo: a terminal is required/.test(stderr)) {
    return [`give ${endpoint.user} passwordless sudo on ${endpoint.host} (NOPASSWD in /etc/sudoers.d), or log in as root`];
  }
  if (/sudo: (command )?not found/.test(stderr)) {
    return [`install sudo on ${endpoint.host}, or log in as root (--user root)`];
  }
  return [`run it by hand to see more: ssh ${endpoint.user}@${endpoint.host}`];
}

export class SshConnection {
  private uid = -1;
  private lost: SshError | undefined;
  private sessions = 0;
  private readonly queued: (() => void)[] = [];

  private constructor(
    private readonly client: Client,
    readonly endpoint: SshEndpoint,
    private readonly jump: Client | undefined,
  ) {
    const where = `${endpoint.host}:${endpoint.port}`;
    const lose = (reason: string) => {
      this.lost ??= new SshError('SSH_UNREACHABLE', endpoint.host, `lost the SSH connection to ${where}: ${reason}`, [
        `check that ${endpoint.host} is still up; commands that were running there may have been cut off`,
      ]);
    };
    client.on('error', (err: Error) =>
      lose(
        err.message === 'Keepalive timeout'
          ? `it stopped answering (no reply to keepalives for ${((KEEPALIVE_COUNT_MAX + 1) * KEEPALIVE_INTERVAL_MS) / 1000} s)`
          : err.message,
      ),
    );
    client.on('close', () => {
      lose('the connection closed');
      jump?.end();
    });
  }

  static async connect(opts: SshConnectOptions): Promise<SshConnection> {
    const endpoint: SshEndpoint = { host: opts.host, port: opts.port, user: opts.user };
    const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const auth = resolveAuth(opts.auth, opts.host);
    const base = { auth, knownHosts: opts.knownHosts, readyTimeoutMs };
    let jump: Client | undefined;
    let sock: Duplex | undefined;
    let via: string | undefined;
    if (opts.bastion) {
      via = `${opts.bastion.host}:${opts.bastion.port}`;
      jump = await openClient(opts.bastion, base).catch((err: unknown) => {
        if (!(err instanceof SshError)) throw err;
        throw new SshError(err.code, err.host, `jump host for ${opts.host}: ${err.message}`, err.suggestions);
      });
      try {
        sock = await forwardOutOf(jump, opts.host, opts.port);
      } catch (err) {
        jump.end();
        throw connectError(err, connectContext(endpoint, { ...base, via }));
      }
    }
    let client: Client;
    try {
      client = await openClient(endpoint, { ...base, sock, via });
    } catch (err) {
      jump?.end();
      throw err;
    }
    const connection = new SshConnection(client, endpoint, jump);
    try {
      await connection.detectUser();
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  /** Whether the login user is root (asked once per connection: `id -u`). */
  get isRoot(): boolean {
    return this.uid === 0;
  }

  private async detectUser(): Promise<void> {
    const out = (await this.run('id -u')).trim();
    if (!/^\d+$/.test(out)) {
      throw new SshError('SSH_COMMAND_FAILED', this.endpoint.host, `cannot tell the user id on ${this.endpoint.host}: "id -u" printed "${out}"`, [
        'check that the login shell of the user is a POSIX shell',
      ]);
    }
    this.uid = Number(out);
  }

  private async session<T>(work: () => Promise<T>): Promise<T> {
    if (this.sessions >= MAX_SESSIONS) await new Promise<void>((resolve) => this.queued.push(resolve));
    this.sessions++;
    try {
      return await work();
    } finally {
      this.sessions--;
      this.queued.shift()?.();
    }
  }

  /**
   * The collectors are attached inside ssh2's callback: the exit status may arrive in the same packet
   * batch as the channel's confirmation, before any promise continuation would run.
   */
  private execOnce(command: string, opts: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      try {
        this.client.exec(command, (err, channel) => {
          if (err) return reject(err);
          collectChannel(channel, opts, { host: this.endpoint.host, command, connectionLost: () => this.lost }).then(resolve, reject);
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  /**
   * sshd frees a finished session a moment after its channel closes, so a new one can briefly be refused
   * ("open failed") although we stay under MaxSessions; such refusals are retried for a few seconds.
   */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.session(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.execOnce(command, opts);
        } catch (err) {
          if (err instanceof SshError) throw err;
          if (this.lost) throw this.lost;
          const message = (err as Error).message;
          if (/open failed/i.test(message) && attempt < OPEN_RETRIES) {
            await sleep(Math.min(10 * 2 ** attempt, 200));
            continue;
          }
          throw new SshError('SSH_COMMAND_FAILED', this.endpoint.host, `${this.endpoint.host} refused to start a command: ${message}`, [
            'check MaxSessions and the sshd log on the host',
          ], { command });
        }
      }
    });
  }

  /** stdout of a command that must succeed; SSH_COMMAND_FAILED (with the end of stderr) otherwise. */
  async run(command: string, opts: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, opts);
    if (result.code === 0) return result.stdout;
    throw this.commandFailed(command, result);
  }

  private commandFailed(command: string, result: ExecResult): SshError {
    const how = result.signal ? `killed by ${result.signal}` : `exit ${result.code ?? 'unknown'}`;
    const stderr = tail(result.stderr);
    return new SshError(
      'SSH_COMMAND_FAILED',
      this.endpoint.host,
      `command failed on ${this.endpoint.host} (${how}): ${command.length > 200 ? `${command.slice(0, 200)}...` : command}${stderr ? `\n${stderr}` : ''}`,
      commandSuggestions(this.endpoint, stderr),
      { command, exitCode: result.code, signal: result.signal, stderr },
    );
  }

  /** The command run as root: itself when we log in as root, else through `sudo -n` (never prompts). */
  asRoot(command: string): string {
    return this.uid === 0 ? command : `sudo -n sh -c ${shellQuote(command)}`;
  }

  /** Write a file atomically: parent created, content in a temporary file beside it, mode set, then renamed. */
  async upload(content: Buffer | string, remotePath: string, opts: UploadOptions = {}): Promise<void> {
    if (!path.posix.isAbsolute(remotePath)) throw new Error(`upload needs an absolute remote path, got "${remotePath}"`);
    const dir = path.posix.dirname(remotePath);
    const tmp = path.posix.join(dir, `.${path.posix.basename(remotePath)}.${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.tmp`);
    const mode = (opts.mode ?? 0o644).toString(8);
    const compress = opts.compress === true && Buffer.isBuffer(content);
    const write = compress ? `command -v gzip >/dev/null 2>&1 || exit ${NO_GZIP}; gzip -dc > "$t"` : 'cat > "$t"';
    // The umask is narrowed only after mkdir, so new directories get the host's usual modes.
    const script =
      `set -e; mkdir -p ${shellQuote(dir)}; t=${shellQuote(tmp)}; umask 077; trap 'rm -f -- "$t"' EXIT; ` +
      `${write}; chmod ${mode} "$t"; ${opts.owner ? `chown ${shellQuote(`${opts.owner}:`)} "$t"; ` : ''}mv -f -- "$t" ${shellQuote(remotePath)}`;
    const command = opts.asRoot && !this.isRoot ? this.asRoot(script) : `sh -c ${shellQuote(script)}`;
    if (!compress) {
      await this.run(command, { stdin: content });
      return;
    }
    const result = await this.exec(command, { stdin: gzipOnce(content as Buffer) });
    if (result.code === NO_GZIP) return this.upload(content, remotePath, { ...opts, compress: false });
    if (result.code !== 0) throw this.commandFailed(command, result);
  }

  /** A TCP connection made by the host to host:port (e.g. a master's port that only listens inside). */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    if (this.lost) throw this.lost;
    try {
      return await forwardOutOf(this.client, host, port);
    } catch (err) {
      if (this.lost) throw this.lost;
      const e = connectError(err, { host, port, user: this.endpoint.user, authDescription: '', via: `${this.endpoint.host}:${this.endpoint.port}`, readyTimeoutMs: 0 });
      // Filed under the SSH host: that is the machine the operator would look at.
      throw new SshError(e.code, this.endpoint.host, e.message, e.suggestions);
    }
  }

  /** An interactive shell or command on the operator's terminal; resolves with its exit code. */
  shell(opts: ShellOptions): Promise<number> {
    if (this.lost) return Promise.reject(this.lost);
    return this.session(() => openShell(this.client, opts));
  }

  close(): void {
    this.client.end();
    this.jump?.end();
  }
}
