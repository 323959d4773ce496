/**
 * The EC2 client every AWS module of the provider uses, and the one place where what the SDK throws
 * becomes a ProviderError an operator can act on: no credentials (and how to get some), rejected
 * credentials, a missing IAM permission (named), throttling that outlasted the SDK's retries, an
 * endpoint that cannot be reached (named, with the flags that choose it), a missing image, no
 * capacity. The SDK is imported lazily: commands that never talk to AWS do not pay for loading it.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../errors';
import { clientConfig, type AwsConnection, type ClientTiming } from './aws-connection';

/** The endpoint each client talks to, for messages about an unreachable one. */
const endpoints = new WeakMap<object, string>();

export async function ec2Client(conn: AwsConnection, timing?: ClientTiming): Promise<EC2Client> {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const client = new EC2Client(clientConfig(conn, timing));
  endpoints.set(client, conn.endpointUrl ?? `https://ec2.${conn.region}.amazonaws.com`);
  return client;
}

/** What a command answers with, read off its middleware handler's type. */
type OutputOf<C extends { resolveMiddleware: (...args: never[]) => unknown }> =
  ReturnType<C['resolveMiddleware']> extends (...args: never[]) => Promise<{ output: infer O }> ? O : never;

/**
 * Sends one command; a failure becomes awsError's ProviderError, saying what was being done
 * (`doing`: 'looking up Ubuntu images') and, for permissions, which action was refused.
 */
export async function ec2Send<C extends { input: object; resolveMiddleware: (...args: never[]) => unknown }>(ec2: EC2Client, command: C, doing: string): Promise<OutputOf<C>> {
  try {
    return (await ec2.send(command as unknown as Parameters<EC2Client['send']>[0])) as OutputOf<C>;
  } catch (err) {
    throw awsError(err, doing, { action: command.constructor.name.replace(/Command$/, ''), endpoint: endpoints.get(ec2) });
  }
}

const CREDENTIAL_HINTS = [
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary keys)',
  'or run `aws configure` (access keys) or `aws sso login --profile NAME` (IAM Identity Center) once',
  'choose a profile with --profile NAME or AWS_PROFILE',
];

const REJECTED_CREDENTIALS = new Set(['AuthFailure', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature', 'UnrecognizedClientException', 'MissingAuthenticationToken']);
const EXPIRED_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);
const THROTTLED = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException', 'EC2ThrottledException', 'SlowDown']);
const NO_CAPACITY = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'InsufficientHostCapacity', 'InsufficientReservedInstanceCapacity', 'SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

interface SdkError extends Error {
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** EC2 appends an encoded explanation to permission errors; it is for `aws sts decode-authorization-message`, not for us. */
function withoutEncodedMessage(message: string): string {
  return message.replace(/\s*Encoded authorization failure message:.*$/s, '').trim();
}

export interface AwsErrorContext {
  /** The EC2 action that failed ('RunInstances'), for naming the IAM permission. */
  action?: string;
  /** The endpoint the client talks to. */
  endpoint?: string;
}

/** The AWS error code behind a ProviderError made by awsError ('UnsupportedOperation'), when there was one. */
export function awsCode(err: unknown): string | undefined {
  const cause = (err as { cause?: SdkError } | undefined)?.cause;
  return cause ? cause.Code ?? cause.code ?? cause.name : undefined;
}

export function awsError(err: unknown, doing: string, context: AwsErrorContext = {}): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as SdkError;
  const made = explain(e, doing, context);
  made.cause = e;
  return made;
}

/** The ProviderError for one SDK failure: which kind it is decides the code and the advice. */
function explain(e: SdkError, doing: string, context: AwsErrorContext): ProviderError {
  const code = e.Code ?? e.code ?? e.name;
  const attempts = e.$metadata?.attempts;
  const where = context.endpoint ? ` at ${context.endpoint}` : '';

  if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError' || /Could not load credentials/i.test(e.message)) {
    return new ProviderError('AWS_NO_CREDENTIALS', `no AWS credentials found while ${doing}: ${e.message}`, CREDENTIAL_HINTS);
  }
  if (REJECTED_CREDENTIALS.has(code)) {
    return new ProviderError('AWS_AUTH_FAILED', `AWS rejected the credentials while ${doing} (${code}: ${e.message})`, [
      'check that the access key is active and its secret matches (`aws sts get-caller-identity` tests them)',
      'a wrong system clock also makes signatures fail',
      ...CREDENTIAL_HINTS.slice(2),
    ]);
  }
  if (EXPIRED_CREDENTIALS.has(code)) {
    return new ProviderError('AWS_AUTH_FAILED', `the AWS credentials have expired (${code}) while ${doing}`, ['refresh them: `aws sso login --profile NAME`, or new temporary keys', ...CREDENTIAL_HINTS.slice(2)]);
  }
  if (DENIED.has(code)) {
    const permission = context.action ? `ec2:${context.action}` : 'the EC2 permission for this call';
    return new ProviderError('AWS_PERMISSION_DENIED', `not allowed to ${doing}: the AWS identity lacks the IAM permission ${permission} (${code}: ${withoutEncodedMessage(e.message)})`, [
      `grant ${permission} to the IAM user or role (docs/aws.md lists every permission the launcher uses)`,
      'AWS attached an encoded explanation; `aws sts decode-authorization-message --encoded-message ...` shows it to someone allowed to read it',
    ]);
  }
  if (THROTTLED.has(code)) {
    return new ProviderError('AWS_THROTTLED', `AWS throttled the requests while ${doing} (${code}${attempts ? `, still after ${attempts} attempts` : ''})`, [
      'wait a minute and run the command again',
      'other tools using the same account and region share its request budget',
    ]);
  }
  // The socket's code is on the error, or only in its text when something wrapped it on the way.
  const networkCode = NETWORK_CODES.has(code) ? code : /\b(E[A-Z]+)\b/.exec(e.message)?.[1];
  if (e.name === 'TimeoutError' || (networkCode && NETWORK_CODES.has(networkCode))) {
    return new ProviderError('AWS_UNREACHABLE', `could not reach the EC2 endpoint${where} while ${doing} (${e.name === 'TimeoutError' ? 'timed out' : networkCode}: ${e.message})`, [
      'check --region and the network (a proxy or firewall may block it)',
      'for LocalStack or another EC2-compatible service set --endpoint-url (or MESOSCLOUD_AWS_ENDPOINT); unset it to talk to AWS',
    ]);
  }
  if (code.startsWith('InvalidAMIID')) {
    return new ProviderError('AWS_IMAGE_NOT_FOUND', `${doing}: the image is not usable (${code}: ${e.message})`, [
      'images belong to one region: check that --ami exists in --region',
      'leave out --ami to use the newest Ubuntu LTS image, or build one with `mesoscloud ami build`',
    ]);
  }
  if (NO_CAPACITY.has(code)) {
    return new ProviderError('AWS_NO_CAPACITY', `AWS has no capacity for this request while ${doing} (${code}: ${e.message})`, [
      'try other availability zones (--zones) or another instance type',
      'spot capacity comes and goes: retry later or use on-demand instances',
    ]);
  }
  const status = e.$metadata?.httpStatusCode;
  return new ProviderError('AWS_REQUEST_FAILED', `${doing} failed: ${code}: ${e.message}${status ? ` (HTTP ${status})` : ''}`);
}
