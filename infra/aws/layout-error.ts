/**
 * The one error the AWS layout throws: the setting at fault (`allowCidrs[1]`, `tags.Name`), what was
 * wrong with the value received and what is allowed. It has the `code` and `suggestions` the CLI's
 * error mapping reads, so it reaches the operator as any provider error does (exit status 2: the
 * cluster's settings were wrong and nothing was created).
 */
export class AwsLayoutError extends Error {
  readonly code = 'BAD_CLUSTER_SPEC';
  constructor(readonly field: string, problem: string, readonly suggestions: string[] = []) {
    super(`${field}: ${problem}`);
  }
}
