/**
 * Task sandboxes read through the master, so browsers and CLIs need not reach agents (they may be
 * behind NAT). A task's sandbox has the virtual path `/frameworks/<framework id>/tasks/<task id>`
 * (ids URL-encoded); the master finds the task's agent, asks its /state once for the sandbox
 * directory (then caches it), and relays /files/browse, /files/read and /files/download.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { findSandboxInState } from '../../protocol/sandbox';
import { apiError, HttpError } from '../../protocol/errors';
import type { OperatorFileInfo } from '../../protocol/operator';
import { findTask, taskKey, type FrameworkRecord, type MasterRecords } from '../state/records';
import { httpsOptions, type ClientTls } from '../../client/tls';

export const AGENT_REQUEST_TIMEOUT_MS = 5000;
/** Sandboxes remembered; the oldest is forgotten first. */
const MAX_CACHED_SANDBOXES = 10_000;

export interface VirtualPath {
  frameworkId: string;
  taskId: string;
  /** Inside the sandbox, normalised, '' for the sandbox itself. */
  relative: string;
}

interface Sandbox { agentId: string; address: string; directory: string }

/** Parses a virtual sandbox path; `field` names the call field in the 400 message. */
export function parseVirtualPath(text: string, field: string): VirtualPath {
  const parts = text.split('/');
  const shape = `expected /frameworks/<framework id>/tasks/<task id>[/<path>], got '${text}'`;
  if (parts[0] !== '' || parts[1] !== 'frameworks' || parts[3] !== 'tasks' || !parts[2] || !parts[4]) {
    throw apiError('BAD_REQUEST', `'${field}': ${shape}`);
  }
  let frameworkId: string;
  let taskId: string;
  try {
    frameworkId = decodeURIComponent(parts[2]);
    taskId = decodeURIComponent(parts[4]);
  } catch {
    throw apiError('BAD_REQUEST', `'${field}': ids must be URL-encoded; ${shape}`);
  }
  const rest = parts.slice(5).filter((p) => p !== '');
  if (rest.includes('..')) throw apiError('BAD_REQUEST', `'${field}': '..' may not lead out of the task's sandbox, got '${text}'`);
  const relative = rest.length === 0 ? '' : path.posix.normalize(rest.join('/')).replace(/^\.$/, '');
  return { frameworkId, taskId, relative };
}

export function virtualPathText(frameworkId: string, taskId: string, relative = ''): string {
  const base = `/frameworks/${encodeURIComponent(frameworkId)}/tasks/${encodeURIComponent(taskId)}`;
  return relative ? `${base}/${relative}` : base;
}

const TYPE_BITS: Record<string, number> = { d: 0o040000, l: 0o120000, p: 0o010000, s: 0o140000, c: 0o020000, b: 0o060000, '-': 0o100000 };

/** "drwxr-xr-x" (the agent's /files/browse) -> st_mode, as FileInfo.mode holds it. */
export function modeNumber(text: string): number {
  let mode = TYPE_BITS[text[0]] ?? 0;
  for (let i = 0; i < 9; i++) if (text[i + 1] !== undefined && text[i + 1] !== '-') mode |= 1 << (8 - i);
  return mode;
}

interface AgentFileInfo { path: string; nlink: number; size: number; mtime: number; mode: string; uid: string; gid: string }

interface AgentResponse { status: number; body: Buffer }

/** One per master (built with it): it remembers where each task's sandbox is. */
export class SandboxProxy {
  private readonly sandboxes = new Map<string, Sandbox>();

  /**
   * With `tls`, agents are reached over HTTPS, verified against the CA, and shown the master's certificate.
   * `agentHeaders`: what authenticates the master to agents (a bearer token it signs), built per request.
   */
  constructor(
    private readonly records: MasterRecords,
    private readonly tls?: ClientTls,
    private readonly timeoutMs = AGENT_REQUEST_TIMEOUT_MS,
    private readonly agentHeaders: () => Record<string, string> = () => ({}),
  ) {}

  async list(text: string, field: string): Promise<OperatorFileInfo[]> {
    const target = parseVirtualPath(text, field);
    const sandbox = await this.locate(target);
    const infos = await this.getJson<AgentFileInfo[]>(sandbox, '/files/browse', { path: join(sandbox.directory, target.relative) }, text);
    return infos.map((info) => ({
      path: virtualPathText(target.frameworkId, target.taskId, insideOf(sandbox.directory, info.path)),
      nlink: info.nlink,
      size: info.size,
      mtime: { nanoseconds: info.mtime * 1e9 },
      mode: modeNumber(info.mode),
      uid: info.uid,
      gid: info.gid,
    }));
  }

  /** READ_FILE: `data` base64, `size` the file's whole length. */
  async read(text: string, field: string, offset: number, length?: number): Promise<{ size: number; data: string }> {
    const target = parseVirtualPath(text, field);
    const sandbox = await this.locate(target);
    const file = join(sandbox.directory, target.relative);
    const query: Record<string, string> = { path: file, offset: String(offset) };
    if (length !== undefined) query.length = String(length);
    const [chunk, info] = await Promise.all([
      this.getJson<{ data: string; offset: number }>(sandbox, '/files/read', query, text),
      this.getJson<AgentFileInfo[]>(sandbox, '/files/browse', { path: file }, text),
    ]);
    return { size: info[0]?.size ?? 0, data: Buffer.from(chunk.data, 'utf8').toString('base64') };
  }

  /** Streams the file to `res` (GET /files/download); errors before the first byte are thrown. */
  async download(text: string, res: http.ServerResponse): Promise<void> {
    const target = parseVirtualPath(text, 'path');
    if (target.relative === '') throw apiError('BAD_REQUEST', `'path': '${text}' is the task's sandbox directory, not a file`);
    const sandbox = await this.locate(target);
    const upstream = await this.open(sandbox, '/files/download', { path: join(sandbox.directory, target.relative) });
    if (upstream.statusCode !== 200) {
      const body = await readAll(upstream);
      throw this.agentFailure(sandbox, { status: upstream.statusCode ?? 0, body }, text);
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': upstream.headers['content-type'] ?? 'application/octet-stream',
      'Content-Disposition': `attachment; filename=${JSON.stringify(path.posix.basename(target.relative))}`,
    };
    if (upstream.headers['content-length'] !== undefined) headers['Content-Length'] = upstream.headers['content-length'];
    res.writeHead(200, headers);
    await new Promise<void>((resolve) => {
      upstream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        upstream.destroy();
        resolve();
      });
      upstream.on('end', () => resolve());
      upstream.pipe(res);
    });
  }

  /** The task's agent and sandbox directory, from the cache or the agent's /state. */
  private async locate(target: VirtualPath): Promise<Sandbox> {
    const key = taskKey(target.frameworkId, target.taskId);
    const cached = this.sandboxes.get(key);
    if (cached) return cached;
    const framework = this.findFramework(target.frameworkId);
    if (!framework) throw apiError('NOT_FOUND', `framework '${target.frameworkId}' is not known`);
    const task = findTask(framework, target.taskId);
    if (!task) throw apiError('NOT_FOUND', `task '${target.taskId}' of framework '${target.frameworkId}' is not known`);
    const agent = this.records.agents.get(task.agentId);
    if (!agent) throw apiError('NOT_FOUND', `agent '${task.agentId}' that ran task '${target.taskId}' is no longer registered`);
    const partial = { agentId: agent.id, address: agent.pid, directory: '' };
    const state = await this.getJson<Parameters<typeof findSandboxInState>[0]>(partial, '/state', {}, '/state');
    const directory = findSandboxInState(state, target.frameworkId, target.taskId);
    if (!directory) throw apiError('NOT_FOUND', `agent '${agent.id}' has no sandbox for task '${target.taskId}' (yet)`);
    const sandbox = { ...partial, directory: directory.replace(/\/+$/, '') };
    if (this.sandboxes.size >= MAX_CACHED_SANDBOXES) this.sandboxes.delete(this.sandboxes.keys().next().value as string);
    this.sandboxes.set(key, sandbox);
    return sandbox;
  }

  private findFramework(id: string): FrameworkRecord | undefined {
    return this.records.frameworks.get(id) ?? this.records.completedFrameworks.toArray().find((f) => f.id === id);
  }

  private async getJson<T>(sandbox: Sandbox, route: string, query: Record<string, string>, what: string): Promise<T> {
    const upstream = await this.open(sandbox, route, query);
    const response = { status: upstream.statusCode ?? 0, body: await readAll(upstream) };
    if (response.status !== 200) throw this.agentFailure(sandbox, response, what);
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch {
      throw apiError('AGENT_UNAVAILABLE', `agent '${sandbox.agentId}' at ${sandbox.address} answered ${route} with something that is not JSON`);
    }
  }

  private agentFailure(sandbox: Sandbox, response: AgentResponse, what: string): HttpError {
    const message = response.body.toString('utf8').slice(0, 500);
    if (response.status === 404) return apiError('NOT_FOUND', `'${what}' does not exist`);
    if (response.status === 400) return apiError('BAD_REQUEST', `'${what}': ${message}`);
    // The agent refused a path that leads out of the task's sandbox: the caller's doing, not the agent's.
    if (response.status === 403) return apiError('PATH_FORBIDDEN', `'${what}': ${message}`);
    if (response.status === 401) return apiError('AGENT_UNAVAILABLE', `agent '${sandbox.agentId}' at ${sandbox.address} refused the master's credentials (do both hold the same credentials file?)`);
    return apiError('AGENT_UNAVAILABLE', `agent '${sandbox.agentId}' at ${sandbox.address} answered ${response.status}: ${message}`);
  }

  /** Resolves with the agent's response once its headers are in; 504 if none within the timeout, 503 if it cannot be reached. */
  private open(sandbox: Sandbox, route: string, query: Record<string, string>): Promise<http.IncomingMessage> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.tls ? 'https' : 'http'}://${sandbox.address}${route}${search ? `?${search}` : ''}`;
    return new Promise((resolve, reject) => {
      const options = { agent: false as const, timeout: this.timeoutMs, headers: this.agentHeaders(), ...httpsOptions(this.tls) };
      const req = (this.tls ? https : http).get(url, options, (res) => resolve(res));
      req.on('timeout', () => {
        req.destroy();
        reject(apiError('AGENT_TIMEOUT', `agent '${sandbox.agentId}' at ${sandbox.address} did not answer ${route} within ${this.timeoutMs} ms`));
      });
      req.on('error', (err) => {
        reject(apiError('AGENT_UNAVAILABLE', `agent '${sandbox.agentId}' at ${sandbox.address} cannot be reached: ${err.message}`));
      });
    });
  }
}

function join(directory: string, relative: string): string {
  return relative ? `${directory}/${relative}` : directory;
}

/** `file` relative to `directory` ('' for the directory itself). */
function insideOf(directory: string, file: string): string {
  if (file === directory) return '';
  return file.startsWith(`${directory}/`) ? file.slice(directory.length + 1) : path.posix.basename(file);
}

function readAll(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}
