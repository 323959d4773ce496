/**
 * The real StackEngine: Pulumi's engine driven through the Automation API, one stack per cluster
 * with the Pulumi program inline (run in this process), on a file:// backend by default.
 *
 * The Automation API runs the `pulumi` CLI for every operation, so nothing here works where the CLI
 * is not installed; `check()` says so at once. The rules in between (events, failures, locks,
 * pending operations, outputs, backends, CLI errors) are pure modules beside this one, tested
 * without the CLI.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type * as Automation from '@pulumi/pulumi/automation';
import type { ClusterStackConfig, ClusterStackOutputs } from '../../aws/types';
import { ProviderError } from '../../errors';
import { StackOperationError, type EngineEvent, type StackEngine, type StackRef, type StackResource } from './engine';
import { awsPluginVersion, ensurePassphraseFile, parseBackend, pulumiEnv, secretsProviderFor, type Backend } from './pulumi-backend';
import { cliProblem, commandReason, olderThanMinimum, pulumiTooOld, stderrOf } from './pulumi-cli';
import { EventTranslator, failureMessage } from './pulumi-events';
import { sweepFileLocks, pulumiAlive } from './pulumi-locks';
import { clusterOutputs } from './pulumi-outputs';
import { exportState, importState, type PulumiRun } from './pulumi-state';
import { clearedLine, describeLock, locksFromLockedError, lockState, pendingOperations, stateResources, withoutPendingOperations } from './pulumi-recovery';

type Auto = typeof Automation;
type Stack = Automation.Stack;
type Emit = (e: EngineEvent) => void;

/** Loaded on first use, so that commands which never reach Pulumi do not pay for loading it. */
function automation(): Promise<Auto> {
  return import('@pulumi/pulumi/automation');
}

/** The cluster's program, run by the engine in this process; its config comes from the stack's. */
async function inlineProgram(): Promise<Record<string, unknown>> {
  const [{ clusterProgram }, { readStackConfig }] = await Promise.all([import('../../pulumi/program'), import('../../pulumi/config')]);
  return clusterProgram(readStackConfig());
}

/**
 * A CLI step whose failure the operator should read as one line: the CLI's own last words, not the
 * Automation API's dump of argv, stdout and stderr. Our own errors pass through as they are.
 */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ProviderError || e instanceof StackOperationError) throw e;
    throw new StackOperationError(`${what} failed: ${commandReason(e)}`);
  }
}

function stackLocked(ref: StackRef, holders: string[]): ProviderError {
  return new ProviderError(
    'STACK_LOCKED',
    `the stack of cluster ${ref.cluster} is in use by another Pulumi run${holders.length > 0 ? `: ${holders.join(', ')}` : ''}`,
    [
      'wait for that launch or destroy to end',
      `if none is running any more: pulumi cancel --yes --stack ${ref.cluster}   (in a shell where PULUMI_BACKEND_URL=${ref.backendUrl})`,
    ],
  );
}

export interface PulumiEngineOptions {
  /** This host's name, as Pulumi records it in locks (default os.hostname()). */
  hostname?: string;
}

export class PulumiEngine implements StackEngine {
  readonly name = 'pulumi';
  private command?: Automation.PulumiCommand;
  private readonly hostname: string;

  constructor(opts: PulumiEngineOptions = {}) {
    this.hostname = opts.hostname ?? os.hostname();
  }

  async check(): Promise<void> {
    await this.cli();
  }

  async up(ref: StackRef, config: ClusterStackConfig, onEvent: Emit, signal?: AbortSignal): Promise<ClusterStackOutputs> {
    const auto = await automation();
    const backend = parseBackend(ref.backendUrl);
    const stack = await this.open(auto, ref, backend, 'createOrSelect');
    if (!stack) throw new StackOperationError(`no stack for cluster ${ref.cluster}`);
    for (const line of await this.clearLeftovers(auto, ref, backend, stack, onEvent, false)) onEvent({ kind: 'diagnostic', severity: 'info', message: line });
    await this.ensureAwsPlugin(stack.workspace, onEvent);
    const { stackConfigValues } = await import('../../pulumi/config');
    const values = { 'aws:region': { value: config.region }, ...stackConfigValues(config) };
    await step(`setting the config of stack ${ref.cluster}`, () => stack.setAllConfig(values));
    const tr = new EventTranslator();
    try {
      const result = await this.withLockRetry(auto, ref, backend, stack, false, () =>
        // refresh: an instance EC2 took away (a reclaimed spot node) is made again, not waited for.
        stack.up({ onEvent: (e) => tr.translate(e).forEach(onEvent), signal, continueOnError: true, refresh: true, color: 'never' }));
      const outputs = clusterOutputs(result.outputs);
      if (!outputs) throw new StackOperationError(`pulumi up for cluster ${ref.cluster} finished without the cluster's outputs`);
      return outputs;
    } catch (e) {
      if (e instanceof StackOperationError || e instanceof ProviderError) throw e;
      if (signal?.aborted) throw new StackOperationError(`pulumi up for cluster ${ref.cluster} was cancelled`, tr.failures());
      throw new StackOperationError(failureMessage(`pulumi up for cluster ${ref.cluster}`, tr, commandReason(e)), tr.failures());
    }
  }

  async destroy(ref: StackRef, onEvent: Emit): Promise<void> {
    const auto = await automation();
    const backend = parseBackend(ref.backendUrl);
    const stack = await this.open(auto, ref, backend, 'select');
    if (!stack) return;
    for (const line of await this.clearLeftovers(auto, ref, backend, stack, onEvent, false)) onEvent({ kind: 'diagnostic', severity: 'info', message: line });
    const tr = new EventTranslator();
    try {
      await this.withLockRetry(auto, ref, backend, stack, false, () =>
        stack.destroy({ onEvent: (e) => tr.translate(e).forEach(onEvent), continueOnError: true, color: 'never' }));
    } catch (e) {
      if (e instanceof ProviderError) throw e;
      throw new StackOperationError(failureMessage(`pulumi destroy for cluster ${ref.cluster}`, tr, commandReason(e)), tr.failures());
    }
    await step(`removing stack ${ref.cluster}`, () => stack.workspace.removeStack(stack.name));
  }

  async outputs(ref: StackRef): Promise<ClusterStackOutputs | undefined> {
    const auto = await automation();
    const stack = await this.open(auto, ref, parseBackend(ref.backendUrl), 'select');
    return stack ? clusterOutputs(await step(`reading the outputs of stack ${ref.cluster}`, () => stack.outputs())) : undefined;
  }

  async resources(ref: StackRef): Promise<StackResource[]> {
    const auto = await automation();
    const backend = parseBackend(ref.backendUrl);
    const stack = await this.open(auto, ref, backend, 'select');
    if (!stack) return [];
    return step(`reading the resources of stack ${ref.cluster}`, async () => {
      const run: PulumiRun = { command: (await this.cli()).command, cwd: ref.workDir, env: pulumiEnv(backend, ref.passphraseFile) };
      return stateResources(await exportState(run, stack.name));
    });
  }

  async recover(ref: StackRef, onEvent: Emit): Promise<string[]> {
    const auto = await automation();
    const backend = parseBackend(ref.backendUrl);
    const stack = await this.open(auto, ref, backend, 'select');
    return stack ? this.clearLeftovers(auto, ref, backend, stack, onEvent, true) : [];
  }

  /** The CLI, found and version-checked once. */
  private async cli(): Promise<Automation.PulumiCommand> {
    if (this.command) return this.command;
    const auto = await automation();
    let command: Automation.PulumiCommand;
    try {
      command = await auto.PulumiCommand.get();
    } catch (e) {
      throw cliProblem(e, awsPluginVersion()) ?? e;
    }
    const version = command.version?.toString();
    if (version && olderThanMinimum(version)) throw pulumiTooOld(version, awsPluginVersion());
    this.command = command;
    return command;
  }

  /** The cluster's stack in a workspace of its own settings; undefined when `select` finds none. */
  private async open(auto: Auto, ref: StackRef, backend: Backend, how: 'select' | 'createOrSelect'): Promise<Stack | undefined> {
    const pulumiCommand = await this.cli();
    if (backend.dir) fs.mkdirSync(backend.dir, { recursive: true });
    if (backend.kind !== 'cloud') ensurePassphraseFile(ref.passphraseFile);
    fs.mkdirSync(ref.workDir, { recursive: true });
    const args = { stackName: ref.cluster, projectName: ref.project, program: inlineProgram };
    const opts: Automation.LocalWorkspaceOptions = {
      workDir: ref.workDir,
      pulumiCommand,
      // An undefined value removes the variable from the CLI's environment (see pulumiEnv).
      envVars: pulumiEnv(backend, ref.passphraseFile) as Record<string, string>,
      secretsProvider: secretsProviderFor(backend),
      projectSettings: { name: ref.project, runtime: 'nodejs', backend: { url: backend.url } },
    };
    return step(`opening stack ${ref.cluster} at ${backend.url}`, async () => {
      try {
        return how === 'select' ? await auto.LocalWorkspace.selectStack(args, opts) : await auto.LocalWorkspace.createOrSelectStack(args, opts);
      } catch (e) {
        if (e instanceof auto.StackNotFoundError) return undefined;
        throw e;
      }
    });
  }

  /**
   * Makes a stack a killed run left behind usable: stale locks go, pending operations are dropped
   * (then a refresh reconciles the state with the cloud). An explicit recover always refreshes
   * (and may cancel a Pulumi Cloud update); before an up or destroy, only when something was
   * cleared. Says what it did.
   */
  private clearLeftovers(auto: Auto, ref: StackRef, backend: Backend, stack: Stack, onEvent: Emit, explicit: boolean): Promise<string[]> {
    return step(`recovering stack ${ref.cluster}`, async () => {
      const lines: string[] = [];
      if (backend.dir) {
        for (const lock of sweepFileLocks(backend.dir, ref.project, ref.cluster, this.hostname).removed) {
          lines.push(`removed the stale lock of ${describeLock(lock)}: ${lock.where}`);
        }
      } else if (explicit && backend.kind === 'cloud') {
        const last = await stack.info();
        if (last?.result === 'in-progress') {
          await stack.cancel();
          lines.push(`cancelled the ${last.kind} of stack ${ref.cluster} left in progress since ${new Date(last.startTime).toISOString()}`);
        }
      }
      const run: PulumiRun = { command: (await this.cli()).command, cwd: ref.workDir, env: pulumiEnv(backend, ref.passphraseFile) };
      const exported = await exportState(run, stack.name);
      const pending = pendingOperations(exported);
      if (pending.length > 0) {
        await importState(run, stack.name, withoutPendingOperations(exported));
        lines.push(...pending.map(clearedLine));
      }
      if (explicit || pending.length > 0) {
        const tr = new EventTranslator();
        await this.withLockRetry(auto, ref, backend, stack, explicit, () => stack.refresh({ onEvent: (e) => tr.translate(e).forEach(onEvent), color: 'never' }));
        lines.push(`refreshed stack ${ref.cluster} from the cloud`);
      }
      return lines;
    });
  }

  /**
   * Runs a locking operation; when another run's lock stops it, clears that lock if it is stale
   * (or, on an explicit recover against Pulumi Cloud, cancels the update in progress) and tries
   * once more. A lock held by a live process is a ProviderError naming who holds it.
   */
  private async withLockRetry<T>(auto: Auto, ref: StackRef, backend: Backend, stack: Stack, explicit: boolean, op: () => Promise<T>): Promise<T> {
    const locked = (e: unknown) => e instanceof auto.ConcurrentUpdateError;
    try {
      return await op();
    } catch (e) {
      if (!locked(e)) throw e;
      const release = await this.releaseLock(ref, backend, stack, explicit, stderrOf(e));
      if (!release.released) throw stackLocked(ref, release.holders);
      try {
        return await op();
      } catch (again) {
        if (locked(again)) throw stackLocked(ref, locksFromLockedError(stderrOf(again)).map(describeLock));
        throw again;
      }
    }
  }

  private async releaseLock(ref: StackRef, backend: Backend, stack: Stack, explicit: boolean, stderr: string): Promise<{ released: boolean; holders: string[] }> {
    if (backend.dir) {
      const sweep = sweepFileLocks(backend.dir, ref.project, ref.cluster, this.hostname);
      return { released: sweep.held.length === 0, holders: sweep.held.map(describeLock) };
    }
    const locks = locksFromLockedError(stderr);
    const holders = locks.map(describeLock);
    if (backend.kind === 'diy') {
      // Locks in a bucket: judged from the CLI's own list of them; `cancel` removes them all.
      if (locks.length === 0 || !locks.every((l) => lockState(l, this.hostname, pulumiAlive) === 'stale')) return { released: false, holders };
    } else if (!explicit) {
      return { released: false, holders }; // Pulumi Cloud: another machine may be running it; only an explicit recover cancels
    }
    await stack.cancel();
    return { released: true, holders };
  }

  /** The AWS provider plugin of the version @pulumi/aws needs, installed when missing. */
  private async ensureAwsPlugin(ws: Automation.Workspace, onEvent: Emit): Promise<void> {
    const version = awsPluginVersion();
    const plugins = await step('listing the Pulumi plugins', () => ws.listPlugins());
    if (plugins.some((p) => p.name === 'aws' && p.kind === 'resource' && p.version === version)) return;
    onEvent({ kind: 'diagnostic', severity: 'info', message: `installing the Pulumi AWS provider plugin ${version}` });
    try {
      await ws.installPlugin('aws', `v${version}`, 'resource');
    } catch (e) {
      throw new ProviderError('PULUMI_PLUGIN_MISSING', `the Pulumi AWS provider plugin ${version} is not installed and could not be installed: ${commandReason(e)}`, [
        `install it: pulumi plugin install resource aws ${version}`,
      ]);
    }
  }
}
