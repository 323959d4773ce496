import { buildCommandInfo, splitWords } from '../../cluster/client/command-line';

describe('splitWords', () => {
  it('splits like a POSIX shell, honouring quotes and backslashes', () => {
    expect(splitWords('ls -l /tmp')).toEqual(['ls', '-l', '/tmp']);
    expect(splitWords(`echo 'hello world' "a \\"b\\"" c\\ d`)).toEqual(['echo', 'hello world', 'a "b"', 'c d']);
    expect(splitWords(`printf ''`)).toEqual(['printf', '']);
    expect(splitWords('  spaced   out  ')).toEqual(['spaced', 'out']);
  });

  it('reports an unterminated quote', () => {
    expect(() => splitWords(`echo 'oops`)).toThrow(/unterminated single quote/);
  });
});

describe('buildCommandInfo', () => {
  it('passes the text to the shell as is', () => {
    expect(buildCommandInfo('echo hello && sleep 1', true)).toEqual({ shell: true, value: 'echo hello && sleep 1' });
  });

  it('without a shell, uses the first word as the executable and all words as argv', () => {
    expect(buildCommandInfo('/bin/echo "a b"', false)).toEqual({ shell: false, value: '/bin/echo', arguments: ['/bin/echo', 'a b'] });
    expect(() => buildCommandInfo('   ', false)).toThrow(/empty/);
  });

  it('turns env into v1 environment variables', () => {
    expect(buildCommandInfo('env', true, { A: '1' }).environment).toEqual({ variables: [{ name: 'A', type: 'VALUE', value: '1' }] });
  });
});
