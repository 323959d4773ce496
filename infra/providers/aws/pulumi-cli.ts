/**
 * What the operator is told when the Pulumi CLI cannot drive a launch: not installed, too old, or a
 * major version the Automation API does not speak. Pure: pulumi-engine.ts passes in what running
 * `pulumi version` threw (or printed) and the @pulumi/aws version to name in the plugin command.
 */
import { ProviderError } from '../../errors';

/**
 * The oldest CLI we accept: 3.114.0 brought `up --continue-on-error`, so one `up` reports every
 * node that found no spot capacity instead of stopping at the first.
 */
export const MIN_PULUMI_VERSION = '3.114.0';

function installSuggestions(awsVersion: string): string[] {
  return [
    'install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh   (or: brew install pulumi/tap/pulumi), then open a new shell so ~/.pulumi/bin is on PATH',
    `then install the AWS provider plugin this mesoscloud uses: pulumi plugin install resource aws ${awsVersion}`,
  ];
}

export function pulumiMissing(awsVersion: string): ProviderError {
  return new ProviderError('PULUMI_MISSING', 'the Pulumi CLI is not installed (no `pulumi` on PATH)', installSuggestions(awsVersion));
}

export function pulumiTooOld(found: string, awsVersion: string): ProviderError {
  return new ProviderError(
    'PULUMI_TOO_OLD',
    `the Pulumi CLI on PATH is version ${found.replace(/^v/, '')}; mesoscloud needs ${MIN_PULUMI_VERSION} or later`,
    [
      'update it: curl -fsSL https://get.pulumi.com | sh   (or: brew upgrade pulumi)',
      `then install the AWS provider plugin: pulumi plugin install resource aws ${awsVersion}`,
    ],
  );
}

/** [major, minor, patch] of `3.114.0`, `v3.114.0`, `3.150.0-alpha.x` (pre-release tags ignored). */
function parts(version: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Whether `version` (as `pulumi version` prints it) is older than what we need. */
export function olderThanMinimum(version: string, minimum = MIN_PULUMI_VERSION): boolean {
  const have = parts(version);
  const need = parts(minimum)!;
  if (!have) return false; // the Automation API itself refuses an unreadable version
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] < need[i];
  return false;
}

function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; commandResult?: { err?: { code?: unknown } } };
  if (typeof e?.commandResult?.err?.code === 'string') return e.commandResult.err.code;
  return typeof e?.code === 'string' ? e.code : undefined;
}

/**
 * The ProviderError for what finding the CLI threw, or undefined when it is some other failure.
 * The Automation API wraps a failed spawn in a CommandError whose `commandResult.err` is the spawn
 * error (`spawn pulumi ENOENT`), and throws plain Errors for versions it refuses.
 */
export function cliProblem(err: unknown, awsVersion: string): ProviderError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const errno = errnoOf(err);
  if (errno === 'ENOENT' || /spawn \S*pulumi ENOENT|could not find pulumi/i.test(message)) return pulumiMissing(awsVersion);
  if (errno === 'EACCES' || /spawn \S*pulumi EACCES/.test(message)) {
    return new ProviderError('PULUMI_MISSING', 'the `pulumi` found on PATH cannot be run (permission denied)', installSuggestions(awsVersion));
  }
  const old = /your current CLI version is (\S+?)\.?\s*Please update/.exec(message);
  if (old) return pulumiTooOld(old[1], awsVersion);
  const major = /You are using Pulumi CLI version (\S+) with Automation SDK v(\d+)/.exec(message);
  if (major) {
    return new ProviderError(
      'PULUMI_VERSION',
      `the Pulumi CLI on PATH is version ${major[1].replace(/^v/, '')}, a major version this mesoscloud does not speak; it needs a ${major[2]}.x CLI, ${MIN_PULUMI_VERSION} or later`,
      [`install a ${major[2]}.x CLI: curl -fsSL https://get.pulumi.com | sh -s -- --version <${major[2]}.x release>`],
    );
  }
  if (/Failed to parse Pulumi CLI version/.test(message)) {
    return new ProviderError('PULUMI_VERSION', 'the `pulumi` on PATH did not print a version mesoscloud can read (`pulumi version`)', installSuggestions(awsVersion));
  }
  return undefined;
}

/**
 * What a failed CLI command wrote to stderr. The Automation API keeps it on
 * CommandError.commandResult: as `err.stderr` (the spawn library's error) when the CLI exited
 * non-zero, and as `stderr` prefixed with "Command failed with exit code N: <argv>".
 */
export function stderrOf(err: unknown): string {
  const result = (err as { commandResult?: { stderr?: unknown; err?: { stderr?: unknown } } }).commandResult;
  if (typeof result?.err?.stderr === 'string' && result.err.stderr.trim() !== '') return result.err.stderr;
  if (typeof result?.stderr === 'string') return result.stderr.replace(/^Command failed with [^\n]*\n?/, '');
  return err instanceof Error ? err.message : String(err);
}

/** The last lines of what a failed CLI command wrote, which say why (CommandError.message holds all of it). */
export function commandReason(err: unknown): string {
  const stderr = stderrOf(err);
  const text = (stderr.trim() !== '' ? stderr : err instanceof Error ? err.message : String(err)).trim();
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-4).join('; ');
}
