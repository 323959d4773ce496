/**
 * POST /api/v1/executor, Mesos's executor HTTP API: SUBSCRIBE answers with a RecordIO stream of
 * events (SUBSCRIBED first), UPDATE and MESSAGE with 202. Calls and events are JSON or protobuf
 * (mesos.v1.executor.Call / Event), negotiated as on the master (cluster/http/v1-media.ts). A call for an executor this agent does not
 * run, or one that is going away, is a 400, as Mesos answers it.
 *
 * With --authenticate_http_executors every call must carry the executor's own token (a scoped
 * bearer token, cluster/http/auth.ts, bound to its framework, executor and container): none or a bad
 * one is a 401, another executor's is a 403. The token is checked, never logged.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { TokenScope } from '../http/auth';
import { CredentialsError, ScopedTokens, unauthorized } from '../http/auth';
import { HttpError, RecordIOStream, type Handler, type Request } from '../http/server';
import { apiError, quote } from '../protocol/errors';
import { validateExecutorCall, type ExecutorCall } from '../protocol/executor';
import { v1Stream } from '../http/v1-media';
import { V1_MESSAGES } from '../protocol/wire-codec';
import type { CustomExecutor, EventSink } from './custom-executor';
import type { Executors } from './executors';
import { metaDir } from './sandbox-paths';

export { EXECUTOR_API_PATH } from '../protocol/executor';

/** Mesos sends no heartbeat to executors by default; we do, so that idle streams survive proxies and NAT. */
const HEARTBEAT_MS = 30_000;

export interface ExecutorApiDeps {
  executors: Pick<Executors, 'find'>;
  /** Set when the agent authenticates executors. */
  tokens?: ScopedTokens;
  maxStreamBacklogBytes?: number;
}

export function executorApiHandler(deps: ExecutorApiDeps): Handler {
  return (req) => {
    const scope = deps.tokens ? authenticated(deps.tokens, req.headers) : undefined;
    const decoded = validateExecutorCall(req.body);
    if (!decoded.ok) throw apiError('INVALID_EXECUTOR_CALL', decoded.message);
    const call = decoded.call;
    const frameworkId = call.framework_id.value;
    const executorId = call.executor_id.value;
    const executor = deps.executors.find(frameworkId, executorId);
    if (scope) authorize(scope, call, executor);
    if (!executor) throw apiError('EXECUTOR_NOT_FOUND', `executor ${quote(executorId)} of framework ${quote(frameworkId)} is not running on this agent`);
    switch (call.type) {
      case 'SUBSCRIBE':
        return subscribe(deps, req, executor, call);
      case 'UPDATE': {
        const refused = executor.update(call.update!.status);
        if (refused) throw apiError('BAD_REQUEST', refused);
        return { status: 202 };
      }
      case 'MESSAGE':
        executor.messageFromExecutor(call.message!.data);
        return { status: 202 };
    }
    return undefined;
  };
}

function subscribe(deps: ExecutorApiDeps, req: Request, executor: CustomExecutor, call: ExecutorCall): undefined {
  if (executor.isEnding) throw apiError('BAD_REQUEST', `executor ${quote(executor.executorId)} is terminating`);
  const format = v1Stream(req.headers, V1_MESSAGES.executorEvent);
  const stream = new RecordIOStream(req.res, format.headers, deps.maxStreamBacklogBytes, format.record);
  const heartbeat = setInterval(() => stream.write({ type: 'HEARTBEAT' }), HEARTBEAT_MS);
  heartbeat.unref();
  stream.onClose(() => clearInterval(heartbeat));
  const sink: EventSink = {
    send: (event) => stream.write(event),
    end: () => stream.end(),
    onClose: (fn) => stream.onClose(fn),
  };
  const subscribe = call.subscribe ?? {};
  const refused = executor.subscribe(sink, {
    tasks: (subscribe.unacknowledged_tasks ?? []).map((t) => t.task_id.value),
    updates: subscribe.unacknowledged_updates ?? [],
  });
  if (refused) {
    // Headers are out already: the refusal goes on the stream, as Mesos's ERROR event.
    sink.send({ type: 'ERROR', error: { message: refused } });
    stream.end();
  }
  return undefined;
}

/** The token's scope; a 401 without a valid one. */
function authenticated(tokens: ScopedTokens, headers: http.IncomingHttpHeaders): TokenScope {
  const scope = tokens.fromHeader(headers.authorization);
  if (scope) return scope;
  const rejection = unauthorized(headers.authorization);
  throw new HttpError(rejection.status, rejection.text, rejection.headers);
}

/** A token opens the API for its own executor's run only. */
function authorize(scope: TokenScope, call: ExecutorCall, executor: CustomExecutor | undefined): void {
  const ours = scope.fid === call.framework_id.value && scope.eid === call.executor_id.value && (!executor || scope.cid === executor.place.containerId);
  if (!ours) {
    throw apiError('FORBIDDEN_PRINCIPAL', `the token does not authorize calls as executor ${quote(call.executor_id.value)} of framework ${quote(call.framework_id.value)}`);
  }
}

/**
 * The signer of executor tokens: the key in `keyFile` (--executor_secret_key), else one the agent
 * generated in its meta directory (0600, the agent's alone), kept across restarts so that the
 * executors it recovers keep their tokens.
 */
export function executorTokens(workDir: string, keyFile: string | undefined): ScopedTokens {
  if (keyFile !== undefined) {
    try {
      return new ScopedTokens(fs.readFileSync(keyFile));
    } catch (err) {
      throw new CredentialsError(`--executor_secret_key: cannot use ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const dir = metaDir(workDir);
  const file = path.join(dir, 'executor_secret_key');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return new ScopedTokens(fs.readFileSync(file));
}
