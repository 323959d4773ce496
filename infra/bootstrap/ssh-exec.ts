/**
 * One remote command on an exec channel: stdin streamed with back-pressure, stdout and stderr collected
 * up to a cap (a chatty command must not fill our memory), a timeout that kills the channel, and the
 * exit code or signal.
 */
import type { Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { SshError } from './ssh-error';

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  onStdout?(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
}

export interface ExecResult {
  code: number | null;
  /** The signal that killed the command, e.g. "SIGTERM". */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Output kept per stream; callbacks still see everything. */
export const MAX_KEPT_OUTPUT = 4 * 1024 * 1024;
const STDIN_CHUNK = 64 * 1024;

/** Keeps the first (stdout: what a parser wants) or the last (stderr: the error) `cap` bytes. */
export class CappedOutput {
  private chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(
    private readonly cap: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  push(chunk: Buffer): void {
    if (this.keep === 'head') {
      const room = this.cap - this.kept;
      if (room < chunk.length) this.dropped += chunk.length - Math.max(room, 0);
      if (room <= 0) return;
      chunk = chunk.subarray(0, room);
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.keep === 'tail' && this.kept > this.cap) {
      const excess = this.kept - this.cap;
      const first = this.chunks[0];
      const cut = Math.min(excess, first.length);
      this.chunks[0] = first.subarray(cut);
      if (!this.chunks[0].length) this.chunks.shift();
      this.kept -= cut;
      this.dropped += cut;
    }
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    if (!this.dropped) return text;
    const note = `[${this.dropped} bytes of output not kept]`;
    return this.keep === 'head' ? `${text}\n${note}\n` : `${note}\n${text}`;
  }
}

/** Write all of `data` respecting the channel's window, then send EOF (also when there is no data). */
export async function writeStdin(stream: Writable, data?: string | Buffer): Promise<void> {
  const buf = data === undefined ? undefined : Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (let off = 0; buf && off < buf.length && !stream.destroyed; off += STDIN_CHUNK) {
    if (!stream.write(buf.subarray(off, off + STDIN_CHUNK))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('close', done);
      });
    }
  }
  if (!stream.destroyed) stream.end();
}

export interface ChannelContext {
  host: string;
  command: string;
  /** Why the channel ended without an exit status, when the connection itself went away. */
  connectionLost(): SshError | undefined;
}

export function collectChannel(channel: ClientChannel, opts: ExecOptions, ctx: ChannelContext): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const stdout = new CappedOutput(MAX_KEPT_OUTPUT, 'head');
    const stderr = new CappedOutput(MAX_KEPT_OUTPUT, 'tail');
    let code: number | null = null;
    let signal: string | undefined;
    let exited = false;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve({ code, ...(signal ? { signal } : {}), stdout: stdout.toString(), stderr: stderr.toString() });
    };
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          finish(
            new SshError(
              'SSH_TIMEOUT',
              ctx.host,
              `command on ${ctx.host} did not finish within ${opts.timeoutMs} ms and was stopped: ${ctx.command}`,
              ['raise the timeout, or check on the host why the command hangs'],
              { command: ctx.command, stderr: stderr.toString() },
            ),
          );
          try {
            channel.signal('KILL');
          } catch {
            // The server may not support signals; closing the channel still ends the session.
          }
          channel.close();
        }, opts.timeoutMs)
      : undefined;
    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      opts.onStdout?.(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      opts.onStderr?.(chunk);
    });
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      exited = true;
      if (typeof exitCode === 'number') code = exitCode;
      // ssh2 reports "SIGTERM" where the protocol says "TERM"; keep one form.
      else if (exitSignal) signal = exitSignal.startsWith('SIG') ? exitSignal : `SIG${exitSignal}`;
    });
    // Writing to a channel the command already closed is not an error of ours.
    channel.on('error', () => undefined);
    channel.on('close', () => finish(exited ? undefined : ctx.connectionLost()));
    writeStdin(channel, opts.stdin).catch(() => undefined);
  });
}
