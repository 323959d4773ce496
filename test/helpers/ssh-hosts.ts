/**
 * A fleet of SSH test hosts on this machine: network namespaces on a private Linux bridge, each running
 * a real OpenSSH sshd with its own generated host key, and each with its own view of the directories a
 * launcher writes to, so three "hosts" do not silently share one /opt.
 * Used by the SSH test suites and by bench/ssh-launch.bench.ts (the benchmark build compiles it through that import).
 *
 * Network: a bridge `mcb<id>` with 10.214.X.1/24 on this side (X picked free, claimed by a file so
 * suites side by side do not take the same one); host i (0-based) is the namespace joined by a veth
 * whose far end is `eth0` with 10.214.X.(11+i). The bridge is plain L2 with netfilter calls switched off
 * on it, so hosts reach each other and this side reaches them without routing or forwarding.
 *
 * Filesystem: each host runs `ip netns exec NS unshare -m -u --propagation private sh -c SCRIPT`, which
 * mounts overlays on /etc /opt /var /home /usr/local (the real directories are the read-only lower
 * layers, so node, java and ZooKeeper's package are visible; writes land in the host's upper dirs) and
 * on /root (over a fresh root home with Debian's dotfiles, not this machine's: its shell start-up files
 * and secrets are none of a test host's business), a private tmpfs on /run (with /run/sshd) and on
 * /tmp, sets the hostname h1, h2, ... and execs sshd.
 *
 * Names: a host's /etc/hosts (bind-mounted over the overlay, so nothing lands in its upper dir) is this
 * machine's plus "<its ip> <its name>", as on a cloud image, and its /etc/resolv.conf names a server
 * that is not there (127.0.0.1): the hosts have no route to any DNS server, and lookups must fail at
 * once rather than after the resolver's timeouts. Without this, every program that resolves its own
 * hostname (a JVM's InetAddress.getLocalHost, as ZooKeeper does at start) waits 10-20 s for DNS.
 *
 * Where the upper dirs live, and why: in `<os.tmpdir()>/mesoscloud-ssh-<id>-*` on the real disk. They
 * cannot be under any overlaid directory (overlayfs refuses an upper dir inside its own lower layer, and
 * one host's /var must not contain another's), and not under /run (replaced by a tmpfs). /tmp is fine
 * because overlayfs resolves the upper and work dirs when it is mounted, before the host's private tmpfs
 * hides the real /tmp: processes on the host cannot see or touch the upper dirs afterwards, while the
 * test still reads them at their real paths. sshd, however, reads its config, host key and
 * authorized_keys after that point (at each connection), so the fleet's sshd directory is bind-mounted
 * read-only at /run/mesoscloud-test-sshd inside each host before /tmp is replaced. /dev/shm would also
 * work, but keeps everything the hosts write in memory.
 *
 * Not isolated: PIDs (every host sees every process, so a launcher must never kill by name) and /dev.
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN), iproute2, util-linux and openssh-server; without them
 * createSshHosts fails saying what is missing. remove() kills every process in each namespace (found by
 * `ip netns pids`), deletes the namespaces, veths, bridge and directories by name; it is safe to call
 * twice and after a failed setup, and runs at process exit for fleets a test forgot.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { shellQuote as q } from '../../infra/bootstrap/ssh-quote';

export const OVERLAID_DIRS = ['/etc', '/opt', '/var', '/root', '/home', '/usr/local'] as const;
export type OverlaidDir = (typeof OVERLAID_DIRS)[number];

/** Files sshd itself writes on login; not something a launcher left behind. */
const SSHD_OWN_FILES = new Set(['/var/log/wtmp', '/var/log/btmp', '/var/log/lastlog']);
/**
 * The account databases: useradd and userdel rewrite them (and keep '-' backups and a lock file),
 * so once the launcher's daemon user is gone again the copies in the upper dir are no leftover;
 * one that still names the user is.
 */
const ACCOUNT_FILES = ['passwd', 'group', 'shadow', 'gshadow', 'subuid', 'subgid'].map((f) => `/etc/${f}`);
const ACCOUNT_BACKUPS = new Set([...ACCOUNT_FILES.map((f) => `${f}-`), '/etc/.pwd.lock', '/var/log/faillog']);
const LAUNCHER_USER = /^mesoscloud:/m;
/** Where the fleet's sshd files appear inside each host. */
const SSHD_DIR_IN_HOST = '/run/mesoscloud-test-sshd';
const SSHD = '/usr/sbin/sshd';
/** A fresh machine's /root (Debian's base-files), instead of this machine's own. */
const ROOT_DOTFILES: [string, string][] = [
  ['/usr/share/base-files/dot.bashrc', '.bashrc'],
  ['/usr/share/base-files/dot.profile', '.profile'],
];

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SshTestHost {
  /** 0-based position in `hosts`; rekey/stopHost/startHost/leftovers take it. */
  readonly index: number;
  /** Its hostname: h1, h2, ... */
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  readonly netns: string;
  /** This side's end of its veth pair, on the bridge. */
  readonly link: string;
  /** sshd's pid: its mount and UTS namespaces are the host's. */
  readonly sshdPid: number;
  /** Where the host's writes to `dir` land, as seen from the test. */
  upperDir(dir: OverlaidDir): string;
  /** Every process on the host (`ip netns pids`). */
  pids(): number[];
  /** Processes on the host other than sshd (its own and its session children): what a launcher left running. */
  daemonPids(): number[];
  /** Run a program on the host (its network, mount and UTS namespaces) as root, without SSH. */
  exec(args: string[], opts?: { input?: string }): Promise<ExecResult>;
}

export interface SshTestFleet {
  readonly hosts: SshTestHost[];
  /** The fleet's own directory (keys, configs, logs, upper dirs). */
  readonly dir: string;
  /** Client private key (ed25519) authorized for root on every host. */
  readonly keyPath: string;
  /** Current host keys as known_hosts lines, for tests that pin them in advance. */
  readonly hostKeys: string[];
  readonly bridge: string;
  readonly bridgeIp: string;
  /** Authorize another public key ("ssh-rsa AAAA... comment") for every user on every host. */
  authorize(publicKeyLine: string): void;
  /** New host key for host i and sshd restarted with it; returns its new known_hosts line. */
  rekey(i: number): Promise<string>;
  /** Pull host i's cable: nothing reaches it (connections fail with no route to host) until startHost. */
  stopHost(i: number): void;
  startHost(i: number): void;
  /** Files (not directories; deletions of real files show as whiteouts) host i has written, sshd's own aside. */
  leftovers(i: number): string[];
  /** What host i's sshd logged (-e: connections, logins, restarts). */
  sshdLog(i: number): string;
  /** Kill, delete and remove everything of the fleet. */
  remove(): void;
}

export interface SshHostsOptions {
  /** sshd port on every host (default 22). */
  port?: number;
}

const execFileP = promisify(execFile);
let counter = 0;
const live = new Set<Fleet>();

function ip(args: string[], input?: string): string {
  return execFileSync('ip', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Already gone, or never made.
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function requireTools(): void {
  if (process.getuid?.() !== 0) throw new Error('SSH test hosts need root (network namespaces, bridges and mounts); run the tests as root');
  const missing = [
    [SSHD, 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/nsenter', 'util-linux'],
  ].filter(([file]) => !fs.existsSync(file));
  try {
    ip(['-V']);
  } catch {
    missing.push(['ip', 'iproute2']);
  }
  if (missing.length) {
    throw new Error(`SSH test hosts need ${missing.map(([f]) => f).join(', ')}: apt-get install ${[...new Set(missing.map(([, p]) => p))].join(' ')}`);
  }
}

/** The parent of the fleet directory: not inside anything the hosts overlay or replace. */
function fleetParent(): string {
  const tmp = fs.realpathSync(os.tmpdir());
  const hidden = [...OVERLAID_DIRS, '/run'];
  if (hidden.some((d) => tmp === d || tmp.startsWith(`${d}/`)) || /[,:\s]/.test(tmp)) {
    throw new Error(`the temporary directory ${tmp} is inside a directory the SSH test hosts overlay, or has , : or spaces; set TMPDIR to e.g. /tmp`);
  }
  return tmp;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claim a free 10.214.X.0/24: not on any interface here, and claimed by no live process through its file. */
function claimSubnet(parent: string): { octet: number; claim: string } {
  const used = new Set<number>();
  for (const m of ip(['-4', '-o', 'addr']).matchAll(/inet 10\.214\.(\d+)\./g)) used.add(Number(m[1]));
  for (let attempt = 0; attempt < 200; attempt++) {
    const octet = 1 + Math.floor(Math.random() * 254);
    if (used.has(octet)) continue;
    const claim = path.join(parent, `mesoscloud-ssh-hosts-10.214.${octet}.claim`);
    try {
      fs.writeFileSync(claim, String(process.pid), { flag: 'wx' });
      return { octet, claim };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(claim, 'utf8'));
      // A claim left by a process that died without cleaning up: this one file is ours to take over.
      if (owner && owner !== process.pid && !processAlive(owner)) {
        fs.writeFileSync(claim, String(process.pid));
        return { octet, claim };
      }
    }
  }
  throw new Error('no free 10.214.X.0/24 subnet for SSH test hosts');
}

async function keygen(file: string, comment: string): Promise<void> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

function sshdConfig(name: string, ip: string, port: number): string {
  return [
    `Port ${port}`,
    `ListenAddress ${ip}`,
    `HostKey ${SSHD_DIR_IN_HOST}/${name}/ssh_host_ed25519_key`,
    `AuthorizedKeysFile ${SSHD_DIR_IN_HOST}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The authorized_keys file is the fleet's, not in the user's home: skip sshd's ownership checks.
    'StrictModes no',
    'PidFile none',
    'PrintMotd no',
    'PrintLastLog no',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

interface HostPaths {
  sshdDir: string;
  upper: string;
  work: string;
  log: string;
  /** Its /etc/hosts. */
  etcHosts: string;
}

/** Bind-mounts `file` over `target` when the host has that file (a symlinked one, e.g. into /run, is left alone). */
function bindFile(file: string, target: string): string {
  return `if [ -f ${target} ] && [ ! -L ${target} ]; then mount --bind ${q(file)} ${target}; fi`;
}

function hostScript(h: { name: string; ip: string }, paths: HostPaths, fleet: { sshdDir: string; bridgeIp: string; rootHome: string; resolvConf: string }): string {
  const overlays = OVERLAID_DIRS.map((d) => {
    const key = d.slice(1).replace(/\//g, '_');
    const lower = d === '/root' ? fleet.rootHome : d;
    return `mount -t overlay overlay -o ${q(`lowerdir=${lower},upperdir=${paths.upper}/${key},workdir=${paths.work}/${key}`)} ${d}`;
  });
  return [
    'set -e',
    `ip addr add ${h.ip}/24 dev eth0`,
    'ip link set eth0 up',
    'ip link set lo up',
    `ip route add default via ${fleet.bridgeIp}`,
    ...overlays,
    bindFile(paths.etcHosts, '/etc/hosts'),
    bindFile(fleet.resolvConf, '/etc/resolv.conf'),
    'mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run',
    `mkdir -m 0755 /run/sshd ${SSHD_DIR_IN_HOST}`,
    'mkdir -m 1777 /run/lock',
    `mount --bind ${q(fleet.sshdDir)} ${SSHD_DIR_IN_HOST}`,
    `mount -o remount,bind,ro ${SSHD_DIR_IN_HOST}`,
    'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp',
    `hostname ${h.name}`,
    'cd /',
    `exec ${SSHD} -D -e -f ${SSHD_DIR_IN_HOST}/${h.name}/sshd_config`,
  ].join('\n');
}

function listeningCount(log: string): number {
  try {
    return fs.readFileSync(log, 'utf8').split('Server listening on').length - 1;
  } catch {
    return 0;
  }
}

function acceptsTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function netnsPids(netns: string): number[] {
  try {
    return ip(['netns', 'pids', netns]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Walk an upper dir for everything that is not a directory. */
function filesUnder(root: string, prefix: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(root, e.name);
    if (e.isDirectory()) filesUnder(full, `${prefix}/${e.name}`, out);
    else out.push(`${prefix}/${e.name}`);
  }
}

class Host implements SshTestHost {
  sshdPid = 0;
  exited: string | undefined;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly ip: string,
    readonly port: number,
    readonly netns: string,
    readonly link: string,
    readonly paths: HostPaths,
  ) {}

  upperDir(dir: OverlaidDir): string {
    return path.join(this.paths.upper, dir.slice(1).replace(/\//g, '_'));
  }

  pids(): number[] {
    return netnsPids(this.netns);
  }

  daemonPids(): number[] {
    return this.pids().filter((pid) => {
      if (pid === this.sshdPid) return false;
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sshd';
      } catch {
        return false; // Gone meanwhile.
      }
    });
  }

  exec(args: string[], opts: { input?: string } = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('nsenter', ['-t', String(this.sshdPid), '-m', '-u', '-n', '--', ...args], {
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      // A program that exits without reading its input is not an error.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    });
  }

  hostKeyLine(): string {
    const [type, key] = fs.readFileSync(path.join(this.paths.sshdDir, 'ssh_host_ed25519_key.pub'), 'utf8').split(/\s+/);
    return `${this.port === 22 ? this.ip : `[${this.ip}]:${this.port}`} ${type} ${key}`;
  }

  async waitListening(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (listeningCount(this.paths.log) >= count && (await acceptsTcp(this.ip, this.port))) return;
      if (this.exited || Date.now() > deadline) {
        const log = fs.existsSync(this.paths.log) ? fs.readFileSync(this.paths.log, 'utf8').trim() : '';
        throw new Error(`sshd of test host ${this.name} (${this.ip}) did not start${this.exited ? ` (${this.exited})` : ''}: ${log || 'no output'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

class Fleet implements SshTestFleet {
  readonly hosts: Host[] = [];
  readonly dir: string;
  readonly keyPath: string;
  readonly bridge: string;
  bridgeIp = '';
  private readonly sshdDir: string;
  private readonly rootHome: string;
  private readonly resolvConf: string;
  private claim: string | undefined;
  private removed = false;

  constructor(
    private readonly id: string,
    private readonly count: number,
    private readonly port: number,
  ) {
    this.bridge = `mcb${id}`.slice(0, 15);
    this.dir = fs.mkdtempSync(path.join(fleetParent(), `mesoscloud-ssh-${id}-`));
    this.sshdDir = path.join(this.dir, 'sshd');
    this.rootHome = path.join(this.dir, 'root-home');
    this.resolvConf = path.join(this.dir, 'resolv.conf');
    this.keyPath = path.join(this.dir, 'client', 'id_ed25519');
  }

  get hostKeys(): string[] {
    return this.hosts.map((h) => h.hostKeyLine());
  }

  async setUp(): Promise<void> {
    const { octet, claim } = claimSubnet(path.dirname(this.dir));
    this.claim = claim;
    const subnet = `10.214.${octet}`;
    this.bridgeIp = `${subnet}.1`;
    for (let i = 0; i < this.count; i++) {
      const name = `h${i + 1}`;
      const hostDir = path.join(this.dir, 'hosts', name);
      const paths: HostPaths = {
        sshdDir: path.join(this.sshdDir, name),
        upper: path.join(hostDir, 'upper'),
        work: path.join(hostDir, 'work'),
        log: path.join(this.dir, 'logs', `${name}.log`),
        etcHosts: path.join(hostDir, 'etc-hosts'),
      };
      this.hosts.push(new Host(i, name, `${subnet}.${11 + i}`, this.port, `mesoscloud-ssh-${this.id}-${name}`, `mcv${this.id}x${i.toString(36)}`.slice(0, 15), paths));
    }
    this.makeDirs();
    await Promise.all([
      keygen(this.keyPath, `mesoscloud-test-fleet-${this.id}`),
      ...this.hosts.map((h) => keygen(path.join(h.paths.sshdDir, 'ssh_host_ed25519_key'), `${h.name}-${this.id}`)),
    ]);
    fs.copyFileSync(`${this.keyPath}.pub`, path.join(this.sshdDir, 'authorized_keys'));
    fs.chmodSync(path.join(this.sshdDir, 'authorized_keys'), 0o644);
    for (const h of this.hosts) fs.writeFileSync(path.join(h.paths.sshdDir, 'sshd_config'), sshdConfig(h.name, h.ip, h.port));
    this.makeNetwork();
    for (const h of this.hosts) this.startSshd(h);
    await Promise.all(this.hosts.map((h) => h.waitListening(1)));
  }

  private makeDirs(): void {
    fs.mkdirSync(path.dirname(this.keyPath), { mode: 0o700 });
    fs.mkdirSync(this.rootHome, { mode: 0o700 });
    for (const [from, to] of ROOT_DOTFILES) if (fs.existsSync(from)) fs.copyFileSync(from, path.join(this.rootHome, to));
    fs.mkdirSync(path.join(this.dir, 'logs'));
    // sshd reads authorized_keys as the logging-in user, so the directories it sees must be readable.
    fs.mkdirSync(this.sshdDir, { mode: 0o755 });
    fs.chmodSync(this.sshdDir, 0o755);
    for (const h of this.hosts) {
      fs.mkdirSync(h.paths.sshdDir, { mode: 0o755 });
      fs.chmodSync(h.paths.sshdDir, 0o755);
      for (const d of OVERLAID_DIRS) {
        const key = d.slice(1).replace(/\//g, '_');
        fs.mkdirSync(path.join(h.paths.upper, key), { recursive: true });
        fs.mkdirSync(path.join(h.paths.work, key), { recursive: true });
      }
      const here = fs.existsSync('/etc/hosts') ? fs.readFileSync('/etc/hosts', 'utf8').replace(/\n?$/, '\n') : '127.0.0.1 localhost\n';
      fs.writeFileSync(h.paths.etcHosts, `${here}${h.ip} ${h.name}\n`, { mode: 0o644 });
    }
    fs.writeFileSync(this.resolvConf, 'nameserver 127.0.0.1\n', { mode: 0o644 });
  }

  private makeNetwork(): void {
    const lines = [`link add name ${this.bridge} type bridge`, `addr add ${this.bridgeIp}/24 dev ${this.bridge}`, `link set ${this.bridge} up`];
    for (const h of this.hosts) {
      lines.push(`netns add ${h.netns}`, `link add ${h.link} type veth peer name eth0 netns ${h.netns}`, `link set ${h.link} master ${this.bridge}`, `link set ${h.link} up`);
    }
    try {
      ip(['-batch', '-'], lines.join('\n') + '\n');
    } catch (err) {
      const detail = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
      throw new Error(`cannot create the SSH test hosts' network (${detail}); it needs root and iproute2 (in a container: --privileged, or --cap-add NET_ADMIN --cap-add SYS_ADMIN)`);
    }
    // A host firewall that filters bridged traffic (br_netfilter) must not see this private bridge.
    quietly(() => ip(['link', 'set', this.bridge, 'type', 'bridge', 'nf_call_iptables', '0', 'nf_call_ip6tables', '0', 'nf_call_arptables', '0']));
  }

  private startSshd(h: Host): void {
    const log = fs.openSync(h.paths.log, 'a');
    try {
      const script = hostScript(h, h.paths, { sshdDir: this.sshdDir, bridgeIp: this.bridgeIp, rootHome: this.rootHome, resolvConf: this.resolvConf });
      // `ip netns exec`, unshare and sh each exec the next: the child's pid ends up being sshd's.
      const child = spawn('ip', ['netns', 'exec', h.netns, 'unshare', '-m', '-u', '--propagation', 'private', 'sh', '-c', script], {
        stdio: ['ignore', log, log],
        detached: true,
      });
      child.on('error', (err) => (h.exited = err.message));
      child.on('exit', (code, signal) => (h.exited = signal ? `killed by ${signal}` : `exited with ${code}`));
      child.unref();
      h.sshdPid = child.pid ?? 0;
      h.exited = undefined;
    } finally {
      fs.closeSync(log);
    }
  }

  private host(i: number): Host {
    const h = this.hosts[i];
    if (!h) throw new Error(`no test host ${i} (there are ${this.hosts.length}, numbered from 0)`);
    return h;
  }

  authorize(publicKeyLine: string): void {
    fs.appendFileSync(path.join(this.sshdDir, 'authorized_keys'), publicKeyLine.trim() + '\n');
  }

  async rekey(i: number): Promise<string> {
    const h = this.host(i);
    const key = path.join(h.paths.sshdDir, 'ssh_host_ed25519_key');
    fs.rmSync(key, { force: true });
    fs.rmSync(`${key}.pub`, { force: true });
    await keygen(key, `${h.name}-${this.id}-rekeyed`);
    const before = listeningCount(h.paths.log);
    // sshd re-executes itself on SIGHUP and loads its host keys again; the host's namespaces stay.
    process.kill(h.sshdPid, 'SIGHUP');
    await h.waitListening(before + 1);
    return h.hostKeyLine();
  }

  stopHost(i: number): void {
    const h = this.host(i);
    ip(['link', 'set', h.link, 'down']);
    // Forget its MAC everywhere, so connecting fails fast (no ARP answer) rather than hanging on a cached entry.
    quietly(() => ip(['neigh', 'del', h.ip, 'dev', this.bridge]));
    for (const other of this.hosts) if (other !== h) quietly(() => ip(['-n', other.netns, 'neigh', 'del', h.ip, 'dev', 'eth0']));
  }

  startHost(i: number): void {
    ip(['link', 'set', this.host(i).link, 'up']);
  }

  leftovers(i: number): string[] {
    const h = this.host(i);
    const files: string[] = [];
    for (const d of OVERLAID_DIRS) filesUnder(h.upperDir(d), d, files);
    const upperFile = (f: string) => path.join(h.upperDir('/etc'), f.slice('/etc/'.length));
    return files
      .filter((f) => !SSHD_OWN_FILES.has(f) && !ACCOUNT_BACKUPS.has(f))
      .filter((f) => !ACCOUNT_FILES.includes(f) || LAUNCHER_USER.test(fs.readFileSync(upperFile(f), 'utf8')))
      .sort();
  }

  sshdLog(i: number): string {
    const log = this.host(i).paths.log;
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    live.delete(this);
    // Processes the launcher started on a host may fork while we kill: repeat until none is left.
    for (let round = 0; round < 100; round++) {
      const pids = this.hosts.flatMap((h) => h.pids());
      if (!pids.length) break;
      for (const pid of pids) quietly(() => process.kill(pid, 'SIGKILL'));
      sleepSync(10);
    }
    // One batch, carrying on past names that are already gone (a setup that failed half way).
    const lines = this.hosts.flatMap((h) => [`netns del ${h.netns}`, `link del ${h.link}`]);
    quietly(() => ip(['-force', '-batch', '-'], [...lines, `link del ${this.bridge}`].join('\n') + '\n'));
    if (this.claim) quietly(() => fs.rmSync(this.claim!, { force: true }));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let exitHook = false;

/** n hosts (h1..hn), each with sshd accepting connections when this resolves. */
export async function createSshHosts(n: number, opts: SshHostsOptions = {}): Promise<SshTestFleet> {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`test host count must be 1..200, got ${n}`);
  requireTools();
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => [...live].forEach((f) => f.remove()));
  }
  const fleet = new Fleet(`${process.pid.toString(36)}${(counter++).toString(36)}`, n, opts.port ?? 22);
  live.add(fleet);
  try {
    await fleet.setUp();
    return fleet;
  } catch (err) {
    fleet.remove();
    throw err;
  }
}
