/**
 * The one error type of the SSH layer: a stable code, the host it concerns and what the operator can
 * do about it. Connection failures from ssh2 and the socket are turned into these by `connectError`,
 * which is pure so every wording is unit-tested.
 */
export type SshErrorCode = 'SSH_UNREACHABLE' | 'SSH_AUTH' | 'HOST_KEY_CHANGED' | 'SSH_TIMEOUT' | 'SSH_COMMAND_FAILED';

export class SshError extends Error {
  readonly name = 'SshError';
  constructor(
    readonly code: SshErrorCode,
    readonly host: string,
    message: string,
    readonly suggestions: string[] = [],
    /** SSH_COMMAND_FAILED and SSH_TIMEOUT: what ran and how it ended. */
    readonly details: { command?: string; exitCode?: number | null; signal?: string; stderr?: string } = {},
  ) {
    super(message);
  }
}

export interface ConnectContext {
  host: string;
  port: number;
  user: string;
  /** How we tried to log in, e.g. "key /home/me/.ssh/id_ed25519" or "the keys in ssh-agent (/tmp/agent.sock)". */
  authDescription: string;
  /** The jump host the connection went through, as host:port. */
  via?: string;
  readyTimeoutMs: number;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  EHOSTUNREACH: 'no route to host (it is down or not on this network)',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the host',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name could not be resolved (DNS)',
  EPIPE: 'connection closed by the host',
};

/** Text after ssh2's "(SSH) Channel open failure: " when a jump host cannot reach the target. */
const FORWARD_REASONS: Record<string, string> = {
  'Connection refused': SOCKET_REASONS.ECONNREFUSED,
  'No route to host': SOCKET_REASONS.EHOSTUNREACH,
  'Connection timed out': SOCKET_REASONS.ETIMEDOUT,
};

export function unreachable(ctx: ConnectContext, reason: string): SshError {
  const where = `${ctx.host}:${ctx.port}`;
  const suggestions = [
    `check that ${ctx.host} is running and that sshd listens on port ${ctx.port}`,
    `check that firewalls or security groups let TCP port ${ctx.port} in from ${ctx.via ? `the jump host ${ctx.via}` : 'this machine'}`,
  ];
  if (!ctx.via) suggestions.push('if the host is only reachable through a jump host, give it with --bastion');
  return new SshError(
    'SSH_UNREACHABLE',
    ctx.host,
    `cannot reach ${where}${ctx.via ? ` through ${ctx.via}` : ''}: ${reason}`,
    suggestions,
  );
}

export function authFailed(ctx: ConnectContext, detail?: string): SshError {
  return new SshError(
    'SSH_AUTH',
    ctx.host,
    `${ctx.user}@${ctx.host}:${ctx.port} refused to log in with ${ctx.authDescription}${detail ? ` (${detail})` : ''}`,
    [
      `check that the matching public key is in ~${ctx.user}/.ssh/authorized_keys on ${ctx.host}`,
      `check the user name (--user): cloud images log in as ubuntu, admin, ec2-user or root`,
      'give the right private key with --key, or load it into ssh-agent (ssh-add <key>)',
    ],
  );
}

/** Map what ssh2 or the socket reported while connecting to the error the operator sees. */
export function connectError(err: unknown, ctx: ConnectContext): SshError {
  if (err instanceof SshError) return err;
  const e = (err ?? {}) as { code?: unknown; level?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (SOCKET_REASONS[code]) return unreachable(ctx, SOCKET_REASONS[code]);
  if (e.level === 'client-authentication') return authFailed(ctx);
  if (e.level === 'client-timeout' || /timed out/i.test(message)) {
    return unreachable(ctx, `no SSH handshake within ${Math.round(ctx.readyTimeoutMs / 1000)} s`);
  }
  const forward = /Channel open failure: (.*)$/.exec(message);
  if (forward) return unreachable(ctx, FORWARD_REASONS[forward[1]] ?? forward[1]);
  return unreachable(ctx, message);
}
