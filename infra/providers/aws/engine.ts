/**
 * The one thing the AWS provider cannot run in its own tests is Pulumi's engine, so it sits behind
 * this interface: pulumi-engine.ts drives the real one through the Automation API; a stand-in can
 * record the same stack anywhere else. Everything around it (discovery, host keys, bootstrap,
 * destroy's sweep) is the same code either way.
 */
import type { ClusterStackConfig, ClusterStackOutputs } from '../../aws/types';

/** Where a cluster's stack lives. */
export interface StackRef {
  /** The cluster's name; also the stack's. */
  cluster: string;
  /** Pulumi's project name (one for every cluster). */
  project: string;
  /** Backend URL: file://<dataDir>/pulumi by default, or --backend (https://api.pulumi.com, s3://...). */
  backendUrl: string;
  /** A file (mode 0600) holding the stack's secrets passphrase, so nothing prompts. */
  passphraseFile: string;
  /** A directory the engine may use for its own files. */
  workDir: string;
}

/** What the engine reports while it works; the provider turns these into progress lines. */
export type EngineEvent =
  | { kind: 'resource'; type: string; name: string; op: 'create' | 'update' | 'delete' | 'replace' | 'same' | 'refresh' | 'read'; status: 'started' | 'done' | 'failed'; message?: string }
  | { kind: 'diagnostic'; severity: 'info' | 'warning' | 'error'; message: string; resourceName?: string };

/** A resource the engine failed to create, by its name in the program ('agent-3'). */
export interface ResourceFailure { type: string; name: string; message: string }

/** An `up` or `destroy` that failed; `failures` names the resources at fault when the engine said. */
export class StackOperationError extends Error {
  readonly code = 'STACK_FAILED';
  constructor(message: string, readonly failures: ResourceFailure[] = []) {
    super(message);
  }
}

/** A resource the stack's state holds: its type token, its name in the program and the cloud's id for it. */
export interface StackResource { type: string; name: string; id: string }

export interface StackEngine {
  readonly name: string;
  /** Throws ProviderError PULUMI_MISSING (with how to install it) when the engine cannot run here. */
  check(): Promise<void>;
  /** Creates or updates the stack to match `config`; the outputs once done. */
  up(stack: StackRef, config: ClusterStackConfig, onEvent: (e: EngineEvent) => void, signal?: AbortSignal): Promise<ClusterStackOutputs>;
  /** Deletes every resource of the stack, then the stack itself; a stack that is not there is no error. */
  destroy(stack: StackRef, onEvent: (e: EngineEvent) => void): Promise<void>;
  /**
   * Every resource the stack's state holds ([] when there is no such stack): what the stack owns,
   * so that anything else tagged for the cluster is known not to be its.
   */
  resources(stack: StackRef): Promise<StackResource[]>;
  /** The last outputs, or undefined when there is no such stack. */
  outputs(stack: StackRef): Promise<ClusterStackOutputs | undefined>;
  /**
   * Makes a stack that a killed run left behind usable again: a stale lock is removed, pending
   * operations are cleared and the state is refreshed from the cloud. Says what it did ([] when
   * nothing was needed).
   */
  recover(stack: StackRef, onEvent: (e: EngineEvent) => void): Promise<string[]>;
}
