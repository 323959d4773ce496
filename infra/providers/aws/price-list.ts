/**
 * Prices for the cost preview: from the AWS Price List API (GetProducts, asked in us-east-1, one
 * of the two regions where it answers) when the operator's credentials allow, else from the table
 * shipped with mesoscloud (infra/aws/price-table.ts), and the preview says which and why.
 *
 * It never waits long: everything happens within one budget (3 s by default). Credentials are
 * resolved first, within that budget: with none in the environment or the shared files, the SDK's
 * chain ends by asking the EC2 instance metadata service, which off EC2 may not answer at all.
 * Then every price is asked in parallel, each request aborted when the budget runs out. Whatever
 * goes wrong becomes the reason shown next to the table's prices; nothing here throws for it.
 *
 * An --endpoint-url cluster (LocalStack) is always priced from the table: emulators have no Price
 * List API, and the figures then say what the same cluster would cost on AWS. `endpoint` (or
 * MESOSCLOUD_PRICING_ENDPOINT) points the Price List client at a stand-in, as the tests do.
 */
import { estimateCost, priceSource, type CostEstimate, type CostInput, type PriceSource } from '../../aws/cost';
import { costJson, renderCostPreview } from '../../aws/cost-render';
import { REGION_LOCATIONS } from '../../aws/price-table';
import type { VolumeType } from '../../aws/types';
import { clientConfig, type AwsConnection } from './aws-connection';

export const DEFAULT_PRICE_BUDGET_MS = 3_000;

/** The Price List API answers in us-east-1 and ap-south-1 only, whatever region is priced. */
export const PRICE_LIST_REGION = 'us-east-1';

export interface PriceLookupOptions {
  /** How long the whole look-up may take, credentials included. */
  budgetMs?: number;
  /** A Price List API stand-in (tests); default: AWS's, or MESOSCLOUD_PRICING_ENDPOINT. */
  endpoint?: string;
}

export interface LivePrices {
  instanceHourly: Record<string, number>;
  volumeGbMonth: Partial<Record<VolumeType, number>>;
  /** Why some look-ups gave nothing, when others did (their prices then come from the table). */
  failure?: string;
}

/** Why the Price List API gave no prices; the message is the reason the preview shows. */
export class PriceLookupError extends Error {}

type Filter = { Type: 'TERM_MATCH'; Field: string; Value: string };
const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

/** The region as the price list names it: its long name where known, else its code. */
function regionFilter(region: string): Filter {
  const location = REGION_LOCATIONS[region];
  return location ? term('location', location) : term('regionCode', region);
}

/** Linux, shared tenancy, no pre-installed software, no licence: the instance's plain on-demand rate. */
function instanceFilters(region: string, instanceType: string): Filter[] {
  return [
    term('instanceType', instanceType), regionFilter(region), term('operatingSystem', 'Linux'), term('tenancy', 'Shared'),
    term('preInstalledSw', 'NA'), term('capacitystatus', 'Used'), term('licenseModel', 'No License required'),
  ];
}

function storageFilters(region: string, volumeType: VolumeType): Filter[] {
  return [term('productFamily', 'Storage'), term('volumeApiName', volumeType), regionFilter(region)];
}

interface PriceDimension { unit?: string; pricePerUnit?: { USD?: string } }

/**
 * The on-demand USD price per `unit` in a GetProducts answer (PriceList: JSON documents as
 * strings, terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD); undefined when none.
 * Should several products match, the highest price is taken: an estimate errs on the high side.
 */
export function onDemandPrice(priceList: readonly unknown[], unit: string): number | undefined {
  const prices: number[] = [];
  for (const item of priceList) {
    const doc = JSON.parse(String(item)) as { terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> } };
    for (const offer of Object.values(doc.terms?.OnDemand ?? {})) {
      for (const dim of Object.values(offer.priceDimensions ?? {})) {
        const usd = Number(dim.pricePerUnit?.USD);
        if (dim.unit === unit && Number.isFinite(usd) && usd > 0) prices.push(usd);
      }
    }
  }
  return prices.length > 0 ? Math.max(...prices) : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE']);
const REJECTED_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/** What went wrong, in the words the preview shows. */
function reasonFor(error: unknown, budgetMs: number, profile?: string): string {
  if (error instanceof PriceLookupError) return error.message;
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  // The SDK's retry layer may wrap a socket error into a bare Error whose message alone keeps the code.
  const code = e.code ?? e.cause?.code ?? /\b(E[A-Z_]{4,})\b/.exec(e.message ?? '')?.[1];
  if (name === 'CredentialsProviderError') return profile ? `no AWS credentials for profile '${profile}'` : 'no AWS credentials';
  if (name === 'AccessDeniedException' || e.$metadata?.httpStatusCode === 403) return 'access denied: pricing:GetProducts';
  if (REJECTED_CREDENTIALS.has(name)) return `AWS credentials rejected (${name})`;
  if (name === 'AbortError' || name === 'TimeoutError') return `Price List API did not answer within ${budgetMs / 1000} s`;
  if (code && NETWORK_CODES.has(code)) return `Price List API unreachable: ${code}`;
  return `Price List API error: ${name || 'Error'}: ${e.message ?? String(error)}`;
}

/** `promise`, or a rejection when `signal` aborts first (the promise's own later failure is then ignored). */
function beforeDeadline<T>(promise: Promise<T>, signal: AbortSignal, budgetMs: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new PriceLookupError(`${what} within ${budgetMs / 1000} s`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Linux on-demand $/hour of each instance type and EBS $/GB-month of each volume type in
 * `region`, from the Price List API. A type the API does not list is left out (the caller takes
 * the table's); throws PriceLookupError when no price could be had at all.
 */
export async function livePrices(
  conn: AwsConnection, region: string, instanceTypes: readonly string[], volumeTypes: readonly VolumeType[],
  { budgetMs = DEFAULT_PRICE_BUDGET_MS, endpoint }: PriceLookupOptions = {},
): Promise<LivePrices> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), budgetMs);
  let client: import('@aws-sdk/client-pricing').PricingClient | undefined;
  try {
    const { PricingClient, GetProductsCommand } = await import('@aws-sdk/client-pricing');
    const timing = { connectionTimeoutMs: Math.min(budgetMs, 3_000), requestTimeoutMs: budgetMs, maxAttempts: 2 };
    const pricing = client = new PricingClient({
      ...clientConfig({ region: PRICE_LIST_REGION, ...(conn.profile ? { profile: conn.profile } : {}) }, timing),
      ...(endpoint ? { endpoint } : {}),
    });
    await beforeDeadline(pricing.config.credentials(), deadline.signal, budgetMs, 'no AWS credentials found');
    const ask = async (Filters: Filter[], unit: string) => {
      const answer = await pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters, MaxResults: 10 }), { abortSignal: deadline.signal });
      return onDemandPrice((answer.PriceList ?? []) as unknown[], unit);
    };
    const types = [...new Set(instanceTypes)];
    const volumes = [...new Set(volumeTypes)];
    const answers = await Promise.allSettled([
      ...types.map((t) => ask(instanceFilters(region, t), 'Hrs')),
      ...volumes.map((v) => ask(storageFilters(region, v), 'GB-Mo')),
    ]);
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed && answers.every((a) => a.status === 'rejected')) throw failed.reason;
    const price = (i: number) => (answers[i].status === 'fulfilled' ? answers[i].value : undefined);
    const live: LivePrices = { instanceHourly: {}, volumeGbMonth: {}, ...(failed ? { failure: reasonFor(failed.reason, budgetMs) } : {}) };
    types.forEach((t, i) => { const p = price(i); if (p !== undefined) live.instanceHourly[t] = p; });
    volumes.forEach((v, i) => { const p = price(types.length + i); if (p !== undefined) live.volumeGbMonth[v] = p; });
    return live;
  } catch (error) {
    throw new PriceLookupError(reasonFor(error, budgetMs, conn.profile));
  } finally {
    clearTimeout(timer);
    client?.destroy();
  }
}

export interface CostPreview {
  estimate: CostEstimate;
  /** The table for a terminal. */
  text: string;
  /** The shape for --json. */
  json: ReturnType<typeof costJson>;
}

function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The prices for `input`: live when the Price List API answers, else the table with the reason. */
export async function resolvePrices(conn: AwsConnection, input: CostInput, options: PriceLookupOptions = {}): Promise<PriceSource> {
  const machines = Object.values(input.roles).filter((r) => r.count > 0);
  const instanceTypes = machines.map((r) => r.instanceType);
  const volumeTypes = machines.map((r) => r.volumeType);
  if (conn.endpointUrl) {
    return priceSource(input.region, instanceTypes, volumeTypes, {
      reason: `--endpoint-url ${conn.endpointUrl} is not AWS: what the cluster would cost on AWS`,
    });
  }
  try {
    const endpoint = options.endpoint ?? (process.env.MESOSCLOUD_PRICING_ENDPOINT || undefined);
    const { failure, ...live } = await livePrices(conn, input.region, instanceTypes, volumeTypes, { ...options, endpoint });
    return priceSource(input.region, instanceTypes, volumeTypes, {
      live: { label: `AWS Price List API, fetched ${utcMinute(new Date())}`, ...live },
      ...(failure ? { reason: `some look-ups failed: ${failure}` } : {}),
    });
  } catch (error) {
    if (!(error instanceof PriceLookupError)) throw error;
    return priceSource(input.region, instanceTypes, volumeTypes, { reason: error.message });
  }
}

/** What `launch --provider aws --dry-run` shows about money: the estimate, as text and as JSON. */
export async function costPreview(conn: AwsConnection, input: CostInput, options: PriceLookupOptions = {}): Promise<CostPreview> {
  const estimate = estimateCost(input, await resolvePrices(conn, input, options));
  return { estimate, text: renderCostPreview(estimate), json: costJson(estimate) };
}
