/** ZooKeeper's four-letter health words (ruok, srvr, ...) over a plain TCP connection. */
import * as net from 'node:net';

/** Sends `word` and returns the whole answer; rejects on a connection error or after timeoutMs. */
export function fourLetterWord(host: string, port: number, word: 'ruok' | 'srvr' | 'stat' | 'mntr', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`ZooKeeper at ${host}:${port} did not answer '${word}' within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export type ServerMode = 'leader' | 'follower' | 'standalone' | 'observer' | 'not serving';

/** The "Mode:" line of a srvr/stat answer; 'not serving' while the server has no quorum. */
export function parseServerMode(answer: string): ServerMode {
  const match = /^Mode:\s*(\S+)/m.exec(answer);
  const mode = match?.[1];
  return mode === 'leader' || mode === 'follower' || mode === 'standalone' || mode === 'observer' ? mode : 'not serving';
}
