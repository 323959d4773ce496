import { createLogger } from '../../cluster/util/log';

describe('the logger', () => {
  it('never writes credential-bearing fields, at any depth', () => {
    const lines: string[] = [];
    const log = createLogger('t', { write: (line) => lines.push(line), level: 'debug' });
    log.info('request', { headers: { Authorization: 'Basic b3A6c2VjcmV0', accept: 'x' }, secret: 's3cret', nested: [{ token: 'mct1.abc' }], principal: 'ops' });
    log.child('c', { password: 'pw' }).warn('child');
    const text = lines.join('\n');
    for (const leaked of ['b3A6c2VjcmV0', 's3cret', 'mct1.abc', '"pw"']) expect(text).not.toContain(leaked);
    expect(JSON.parse(lines[0])).toMatchObject({ headers: { Authorization: '[redacted]', accept: 'x' }, secret: '[redacted]', principal: 'ops' });
  });
});
