/**
 * Named, structured logger: one JSON object per line, so daemon logs can be grepped and parsed.
 * `logger.child('offers', { framework_id })` adds a name segment and fixed fields. A logger and its
 * children share one threshold, which an operator may lower for a while (logging-level.ts).
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The lowest level written, shared by a logger and all its children; `configured` is where it started. */
export class LogThreshold {
  level: Level;
  constructor(readonly configured: Level) { this.level = configured }
  allows(level: Level): boolean { return ORDER[level] >= ORDER[this.level] }
}

function configuredLevel(level: Level | undefined): Level {
  const chosen = level ?? (process.env.MESOSCLOUD_LOG_LEVEL as Level | undefined);
  return chosen !== undefined && chosen in ORDER ? chosen : 'info';
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string, fields?: Record<string, unknown>): Logger;
  /** Shared with the children: lowering it makes the whole tree more verbose. */
  readonly threshold: LogThreshold;
}

export function createLogger(
  name: string,
  opts: { level?: Level; write?: (line: string) => void; fields?: Record<string, unknown>; threshold?: LogThreshold } = {},
): Logger {
  const threshold = opts.threshold ?? new LogThreshold(configuredLevel(opts.level));
  const write = opts.write ?? writeBuffered;
  const base = opts.fields ?? {};
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (!threshold.allows(level)) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, name, msg, ...base, ...fields }, redactSecrets));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child, fields) => createLogger(`${name}.${child}`, { threshold, write, fields: { ...base, ...fields } }),
    threshold,
  };
}

/**
 * Log lines go to stderr together, once per turn of the event loop: stderr to a file or a pipe is
 * written synchronously by Node, and 10,000 agents re-registering after a failover would otherwise
 * cost 10,000 write calls on the master's event loop. Flushed at exit; a SIGKILL loses at most the
 * lines of the turn it interrupted.
 */
const pendingLines: string[] = [];
let flushScheduled = false;

function writeBuffered(line: string): void {
  pendingLines.push(line);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushLogs);
}

/** Writes every buffered log line now. */
export function flushLogs(): void {
  flushScheduled = false;
  if (pendingLines.length === 0) return;
  const text = pendingLines.join('\n') + '\n';
  pendingLines.length = 0;
  process.stderr.write(text);
}

process.on('exit', flushLogs);

/** Fields that carry credentials, at any depth (an Authorization header, a secret, a token). */
const SECRET_FIELD = /^(authorization|proxy-authorization|secret|password|token|credential)$/i;

/** JSON.stringify's replacer: a credential-bearing field is logged as "[redacted]", never as its value. */
function redactSecrets(key: string, value: unknown): unknown {
  return SECRET_FIELD.test(key) && value !== undefined && value !== null && value !== '' ? '[redacted]' : value;
}

/** A logger that drops everything; for tests and benchmarks that build daemons in process. */
export const silentLogger: Logger = createLogger('silent', { write: () => undefined, level: 'error' });
