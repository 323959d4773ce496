/**
 * Where Pulumi keeps a cluster's stack and how the CLI is told so without asking anything: the
 * backend URL's kind, the environment every Pulumi command runs with, and the secrets passphrase
 * file of the DIY backends.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../errors';

/**
 * `file`: a directory here (the default, file://<dataDir>/pulumi). `diy`: Pulumi's self-managed
 * backends in object stores (s3://, gs://, azblob://). `cloud`: Pulumi Cloud or a self-hosted
 * service (https://). File and DIY stacks encrypt secrets with a passphrase; the service keeps its own keys.
 */
export type BackendKind = 'file' | 'diy' | 'cloud';

export interface Backend {
  kind: BackendKind;
  url: string;
  /** The directory of a file backend. */
  dir?: string;
}

/** The backend a URL names; a URL of another kind is a ProviderError naming it and what is allowed. */
export function parseBackend(url: string, home = os.homedir()): Backend {
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    const dir = rest === '~' || rest.startsWith('~/') ? path.join(home, rest.slice(1)) : rest;
    if (!path.isAbsolute(dir)) {
      throw new ProviderError('BAD_BACKEND', `the backend URL ${url} names a relative directory; a file backend needs an absolute path (file:///var/lib/pulumi or file://~/pulumi)`);
    }
    return { kind: 'file', url: `file://${dir}`, dir };
  }
  if (/^(s3|gs|azblob):\/\/[^/?#]+/.test(url)) return { kind: 'diy', url };
  if (/^https:\/\/[^/?#]+/.test(url)) return { kind: 'cloud', url };
  throw new ProviderError(
    'BAD_BACKEND',
    `the backend URL ${JSON.stringify(url)} is not one Pulumi can keep stacks in; allowed: file://<absolute dir>, s3://<bucket>, gs://<bucket>, azblob://<container>, https://api.pulumi.com (or a self-hosted Pulumi Cloud)`,
  );
}

/** A passphrase file already there is used as it is; a missing one gets 32 random bytes (base64), mode 0600. */
export function ensurePassphraseFile(file: string): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a concurrent launch made it first: use theirs
  }
}

/**
 * The environment of every Pulumi command: nothing may prompt or check for updates, and the DIY
 * backends read the passphrase from its file (the passphrase itself is never in an environment or
 * argv). A PULUMI_CONFIG_PASSPHRASE of the operator's would take precedence over the file and fail
 * to decrypt our stacks, so it is removed from the CLI's environment (undefined drops a variable).
 * PULUMI_HOME is left alone: plugins the operator installed (`pulumi plugin install`) and a
 * `pulumi login` live there.
 */
export function pulumiEnv(backend: Backend, passphraseFile: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_SKIP_CONFIRMATIONS: 'true',
  };
  if (backend.kind !== 'cloud') {
    env.PULUMI_CONFIG_PASSPHRASE_FILE = passphraseFile;
    env.PULUMI_CONFIG_PASSPHRASE = undefined;
  }
  return env;
}

/** The secrets provider a new stack is made with ('passphrase' for file and DIY; the service's default otherwise). */
export function secretsProviderFor(backend: Backend): string | undefined {
  return backend.kind === 'cloud' ? undefined : 'passphrase';
}

/** The version of the AWS provider plugin our @pulumi/aws needs (its package.json says). */
export function awsPluginVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(require.resolve('@pulumi/aws/package.json'), 'utf8')) as { version: string; pulumi?: { version?: string } };
  return pkg.pulumi?.version ?? pkg.version;
}
