import { followFile, readFrom, sandboxPath, type FileReader } from '../../cli/task-logs';
import { confirmDecision, isYes } from '../../cli/confirm';
import { planOpen } from '../../cli/browser';

/** A file that grows as the test says, read as the master's READ_FILE reads it. */
class GrowingFile implements FileReader {
  content = Buffer.alloc(0);
  exists = true;
  reads = 0;
  async readFile(_path: string, offset: number, length: number) {
    this.reads++;
    if (!this.exists) throw Object.assign(new Error('not found'), { status: 404 });
    return { size: this.content.length, data: this.content.subarray(offset, offset + length) };
  }
  append(text: string) {
    this.content = Buffer.concat([this.content, Buffer.from(text)]);
  }
}

describe('task files through the master', () => {
  it('names the file by framework and task, encoded', () => {
    expect(sandboxPath('f-1', 'my task/1', 'stderr')).toBe('/frameworks/f-1/tasks/my%20task%2F1/stderr');
  });

  it('reads a whole file in chunks', async () => {
    const file = new GrowingFile();
    file.append('0123456789');
    const out: string[] = [];
    expect(await readFrom(file, 'p', 0, (d) => out.push(d.toString()), 4)).toBe(10);
    expect(out).toEqual(['0123', '4567', '89']);
  });

  it('follows a file until the task has ended and what it wrote last is printed', async () => {
    const file = new GrowingFile();
    file.exists = false;
    const out: string[] = [];
    let polls = 0;
    const result = await followFile({
      reader: file, path: 'p', write: (d) => out.push(d.toString()), stopped: () => false, sleep: async () => undefined,
      ended: async () => {
        polls++;
        if (polls === 1) file.exists = true;
        if (polls === 2) file.append('hello\n');
        // The task writes its last line and ends between two reads.
        if (polls === 3) file.append('bye\n');
        return polls >= 3;
      },
    });
    expect(out.join('')).toBe('hello\nbye\n');
    expect(result).toEqual({ bytes: 10, found: true, stopped: false });
  });

  it('stops quietly when interrupted', async () => {
    const file = new GrowingFile();
    let stop = false;
    const result = await followFile({ reader: file, path: 'p', write: () => undefined, stopped: () => stop, sleep: async () => { stop = true }, ended: async () => false });
    expect(result.stopped).toBe(true);
  });

  it('passes on errors other than a missing file', async () => {
    const reader: FileReader = { readFile: async () => { throw Object.assign(new Error('boom'), { status: 500 }) } };
    await expect(followFile({ reader, path: 'p', write: () => undefined, stopped: () => false, sleep: async () => undefined, ended: async () => true })).rejects.toThrow('boom');
  });
});

describe('confirmation', () => {
  it('asks on a terminal, refuses without one, and --yes skips it', () => {
    expect(confirmDecision({ yes: false, interactive: true })).toBe('ask');
    expect(confirmDecision({ yes: false, interactive: false })).toBe('refuse');
    expect(confirmDecision({ yes: true, interactive: false })).toBe('proceed');
  });

  it.each([['y', true], ['YES', true], [' yes ', true], ['', false], ['n', false], ['yess', false]])('reads %j as %s', (answer, yes) => {
    expect(isYes(answer)).toBe(yes);
  });
});

describe('opening a browser', () => {
  it('uses xdg-open on Linux only with a display and the program present', () => {
    expect(planOpen('linux', { DISPLAY: ':0' }, () => true)).toEqual({ opener: 'xdg-open' });
    expect(planOpen('linux', {}, () => true).reason).toContain('no display');
    expect(planOpen('linux', { WAYLAND_DISPLAY: 'wayland-0' }, () => false).reason).toBe('xdg-open is not installed');
    expect(planOpen('darwin', {}, () => true)).toEqual({ opener: 'open' });
  });
});
