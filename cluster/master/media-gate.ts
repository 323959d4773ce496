/**
 * Answers 415 to a v1 API POST whose body is not JSON before the body is read. The shared HTTP layer
 * parses every POST body as JSON before a handler runs, which would turn a protobuf body into a 400
 * about JSON syntax instead of the 415 that tells the client to switch to JSON.
 */
import type * as http from 'node:http';
import { send } from '../http/server';
import { contentTypeProblem } from './negotiation';

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export function gateRequestMedia(server: http.Server, paths: readonly string[]): void {
  const gated = new Set(paths);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'POST' && gated.has(pathOf(req.url))) {
      const problem = contentTypeProblem(req.headers);
      if (problem) {
        req.resume();
        send(res, { status: problem.status, text: problem.message });
        return;
      }
    }
    for (const listener of listeners) listener.call(server, req, res);
  });
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}
