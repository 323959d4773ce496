/**
 * An interactive session for `mesoscloud ssh`: a login shell, or one command, wired to the operator's
 * terminal. With a terminal on stdin it asks for a pty, puts the local terminal in raw mode (so Ctrl-C
 * and the arrow keys reach the remote side) and forwards window resizes; otherwise it passes plain
 * streams, so `mesoscloud ssh master -- cat < file` works in scripts. Resolves with the remote exit code
 * (128 + signal number when killed, 255 when the connection dropped, as ssh(1) does).
 */
import { constants } from 'node:os';
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';

export interface ShellInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface ShellOutput extends NodeJS.WritableStream {
  columns?: number;
  rows?: number;
}

export interface ShellOptions {
  stdin: ShellInput;
  stdout: ShellOutput;
  stderr: NodeJS.WritableStream;
  /** Run this instead of a login shell. */
  command?: string;
  /** Ask for a pty; only honoured when stdin is a terminal. */
  pty: boolean;
}

export function exitCodeOf(code: number | null | undefined, signal: string | undefined): number {
  if (typeof code === 'number') return code;
  const number = signal ? (constants.signals as Record<string, number>)[signal.startsWith('SIG') ? signal : `SIG${signal}`] : undefined;
  return number ? 128 + number : 255;
}

/** Wire the channel to the operator's streams; resolves with the exit code when it closes. */
function attach(channel: ClientChannel, opts: ShellOptions, usePty: boolean, size: () => { rows: number; cols: number }): Promise<number> {
  const { stdin, stdout, stderr } = opts;
  const onResize = () => {
    const { rows, cols } = size();
    channel.setWindow(rows, cols, 0, 0);
  };
  return new Promise<number>((resolve) => {
    let code: number | null | undefined;
    let signal: string | undefined;
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode;
      signal = exitSignal ?? undefined;
    });
    channel.on('error', () => undefined);
    channel.on('close', () => {
      stdin.unpipe(channel);
      stdin.pause();
      if (usePty) {
        stdin.setRawMode?.(false);
        stdout.removeListener('resize', onResize);
      }
      resolve(exitCodeOf(code, signal));
    });
    if (usePty) {
      stdin.setRawMode?.(true);
      stdout.on('resize', onResize);
    }
    stdin.pipe(channel);
    channel.pipe(stdout, { end: false });
    channel.stderr.pipe(stderr, { end: false });
  });
}

export function openShell(client: Client, opts: ShellOptions): Promise<number> {
  const usePty = opts.pty && opts.stdin.isTTY === true;
  const size = () => ({ rows: opts.stdout.rows || 24, cols: opts.stdout.columns || 80 });
  const pty: PseudoTtyOptions | undefined = usePty ? { term: process.env.TERM || 'xterm-256color', ...size(), width: 0, height: 0 } : undefined;
  return new Promise((resolve, reject) => {
    // Attached inside the callback: a short command's exit status can arrive with the confirmation.
    const done = (err: Error | undefined, channel: ClientChannel) => (err ? reject(err) : attach(channel, opts, usePty, size).then(resolve));
    try {
      if (opts.command !== undefined) {
        if (pty) client.exec(opts.command, { pty }, done);
        else client.exec(opts.command, done);
      } else client.shell(pty ?? false, done);
    } catch (err) {
      reject(err);
    }
  });
}
