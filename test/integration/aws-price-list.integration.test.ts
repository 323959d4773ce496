/**
 * The cost preview's prices with the real @aws-sdk/client-pricing: against a Price List API
 * stand-in on loopback (test/helpers/price-list-endpoint.ts) that answers, refuses or never
 * answers; and with no credentials at all, in a process of its own whose environment holds no
 * AWS_* variable and whose HOME is empty. Every way it fails ends in the shipped table, with the
 * reason shown. How long each case took is printed, never asserted.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { costPreview, livePrices } from '../../infra/providers/aws/price-list';
import type { CostInput } from '../../infra/aws/cost';
import { PRICE_TABLE_DATE } from '../../infra/aws/price-table';
import { computeProduct, startPriceListEndpoint, storageProduct, type CatalogueProduct, type PriceListEndpoint } from '../helpers/price-list-endpoint';

const ROOT = path.resolve(__dirname, '..', '..');

const CLUSTER: CostInput = {
  cluster: 'prod',
  region: 'eu-west-1',
  roles: {
    master: { count: 3, instanceType: 'm6i.large', spot: false, volumeSizeGb: 30, volumeType: 'gp3' },
    zookeeper: { count: 3, instanceType: 't3.medium', spot: false, volumeSizeGb: 20, volumeType: 'gp3' },
    agent: { count: 5, instanceType: 'm6i.xlarge', spot: true, volumeSizeGb: 50, volumeType: 'gp3' },
  },
};

/**
 * Prices unlike the table's, so a figure shows where it came from. m6i.xlarge is not listed: it
 * comes from the table. Around the right products, the ones a loose filter would also catch.
 */
const CATALOGUE: CatalogueProduct[] = [
  computeProduct('m6i.large', 'EU (Ireland)', 0.1111),
  computeProduct('m6i.large', 'EU (Ireland)', 0.2999, { operatingSystem: 'Windows', licenseModel: 'License included' }),
  computeProduct('m6i.large', 'EU (Ireland)', 0.3999, { tenancy: 'Dedicated' }),
  computeProduct('m6i.large', 'EU (Ireland)', 0.4999, { preInstalledSw: 'SQL Web' }),
  computeProduct('m6i.large', 'EU (Ireland)', 0.5999, { capacitystatus: 'UnusedCapacityReservation' }),
  computeProduct('m6i.large', 'US East (N. Virginia)', 0.6999),
  computeProduct('t3.medium', 'EU (Ireland)', 0.0457),
  storageProduct('gp3', 'EU (Ireland)', 0.0881),
  storageProduct('gp2', 'EU (Ireland)', 0.7777),
  { attributes: { productFamily: 'System Operation', volumeApiName: 'gp3', location: 'EU (Ireland)' }, unit: 'GB-Mo', usd: 0.8888 },
];

const CONN = { region: 'eu-west-1' };

/** The environment the SDK's credential chain reads, set for this file's in-process cases and restored after. */
const ENV_OVERRIDES: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: 'AKIDPRICELISTTEST', AWS_SECRET_ACCESS_KEY: 'price-list-test-secret', AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', MESOSCLOUD_PRICING_ENDPOINT: undefined,
  // This process's own shared files and metadata service stay out of it.
  AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', AWS_EC2_METADATA_DISABLED: 'true',
};
const savedEnv: Record<string, string | undefined> = {};
const endpoints: PriceListEndpoint[] = [];

async function endpoint(...args: Parameters<typeof startPriceListEndpoint>): Promise<PriceListEndpoint> {
  const e = await startPriceListEndpoint(...args);
  endpoints.push(e);
  return e;
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await run();
  console.log(`${what}: ${Date.now() - started} ms`);
  return result;
}

beforeAll(() => {
  for (const [name, value] of Object.entries(ENV_OVERRIDES)) {
    savedEnv[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all(endpoints.map((e) => e.close()));
});

describe('prices from the Price List API', () => {
  it('are used and labelled, each price asked with the filters of a plain Linux on-demand instance, signed for pricing in us-east-1', async () => {
    const api = await endpoint('answer', CATALOGUE);
    const preview = await timed('live prices', () => costPreview(CONN, CLUSTER, { endpoint: api.url }));
    const { estimate } = preview;

    expect(estimate.source.kind).toBe('live');
    expect(estimate.source.label).toMatch(new RegExp(
      `^AWS Price List API, fetched \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC; from the mesoscloud price table of ${PRICE_TABLE_DATE}: m6i\\.xlarge$`,
    ));
    const [master, zookeeper, agent] = estimate.roles;
    expect([master.instanceHourlyEach, master.instanceOrigin]).toEqual([0.1111, 'live']);
    expect([zookeeper.instanceHourlyEach, zookeeper.instanceOrigin]).toEqual([0.0457, 'live']);
    expect(agent.instanceOrigin).toBe('estimate');
    expect(agent.instanceHourlyEach).toBeCloseTo(0.214, 10);
    expect([master.volume.gbMonth, master.volume.origin]).toEqual([0.0881, 'live']);
    expect(preview.text).toMatch(/master\s+3\s+m6i\.large\s+0\.1111\s+gp3 30 GB/);
    expect(preview.text).toContain('Prices: AWS Price List API, fetched ');
    expect(preview.json.source.kind).toBe('live');

    // One GetProducts call per instance type and per volume type, all asked at once.
    expect(api.requests).toHaveLength(4);
    for (const r of api.requests) {
      expect(r.target).toBe('AWSPriceListService.GetProducts');
      expect(r.contentType).toBe('application/x-amz-json-1.1');
      expect(r.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPRICELISTTEST\/\d{8}\/us-east-1\/pricing\/aws4_request/);
    }
    const filtersOf = (field: string, value: string) => api.requests
      .map((r) => (r.body as { ServiceCode: string; Filters: { Type: string; Field: string; Value: string }[] }))
      .find((b) => b.Filters.some((f) => f.Field === field && f.Value === value));
    expect(filtersOf('instanceType', 'm6i.large')).toEqual({
      ServiceCode: 'AmazonEC2',
      MaxResults: 10,
      Filters: expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'location', Value: 'EU (Ireland)' },
        { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
        { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
        { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
        { Type: 'TERM_MATCH', Field: 'licenseModel', Value: 'No License required' },
      ]),
    });
    expect(filtersOf('volumeApiName', 'gp3')?.Filters).toEqual(expect.arrayContaining([
      { Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Storage' },
      { Type: 'TERM_MATCH', Field: 'location', Value: 'EU (Ireland)' },
    ]));
  });

  it('stay live when some look-ups fail, the rest from the table, with the reason', async () => {
    const api = await endpoint('answer', [...CATALOGUE, computeProduct('m6i.xlarge', 'EU (Ireland)', 0.2222)], { Field: 'instanceType', Value: 'm6i.xlarge' });
    const { estimate } = await costPreview(CONN, CLUSTER, { endpoint: api.url });
    expect(estimate.source.kind).toBe('live');
    expect(estimate.source.label).toMatch(/: m6i\.xlarge$/);
    expect(estimate.source.reason).toBe('some look-ups failed: Price List API error: InternalErrorException: An internal error occurred');
    expect(estimate.roles.map((r) => r.instanceOrigin)).toEqual(['live', 'live', 'estimate']);
    // The failed call was tried twice (the client's retry), the others once.
    expect(api.requests).toHaveLength(5);
  });

  it('are asked by region code for a region the table has no long name for', async () => {
    const api = await endpoint('answer', [computeProduct('m7i.large', 'Mexico (Central)', 0.1234, { regionCode: 'mx-central-1' })]);
    const live = await livePrices({ region: 'mx-central-1' }, 'mx-central-1', ['m7i.large'], [], { endpoint: api.url });
    expect(live).toEqual({ instanceHourly: { 'm7i.large': 0.1234 }, volumeGbMonth: {} });
    expect((api.requests[0].body as { Filters: unknown[] }).Filters).toContainEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'mx-central-1' });
  });
});

describe('falling back on the table', () => {
  it('says access was denied when the credentials may not call pricing:GetProducts', async () => {
    const api = await endpoint('deny');
    const { estimate, text } = await timed('access denied', () => costPreview(CONN, CLUSTER, { endpoint: api.url }));
    expect(estimate.source).toEqual({ kind: 'table', label: `mesoscloud price table of ${PRICE_TABLE_DATE}`, tableDate: PRICE_TABLE_DATE, reason: 'access denied: pricing:GetProducts' });
    expect(estimate.roles[0].instanceHourlyEach).toBeCloseTo(0.107, 10); // m6i.large in eu-west-1, from the table
    expect(text).toContain(`Prices: mesoscloud price table of ${PRICE_TABLE_DATE} (access denied: pricing:GetProducts).`);
    expect(api.requests.length).toBeGreaterThan(0);
  });

  it('gives up on an endpoint that accepts and never answers when the budget runs out', async () => {
    const api = await endpoint('never-answer');
    const { estimate } = await timed('silent endpoint, 800 ms budget', () => costPreview(CONN, CLUSTER, { endpoint: api.url, budgetMs: 800 }));
    expect(estimate.source.kind).toBe('table');
    expect(estimate.source.reason).toBe('Price List API did not answer within 0.8 s');
    expect(api.requests.length).toBeGreaterThan(0);
    expect(estimate.total.partial).toBe(false);
  });

  it('says the API is unreachable when nothing listens', async () => {
    const api = await startPriceListEndpoint('answer');
    await api.close();
    const { estimate } = await costPreview(CONN, CLUSTER, { endpoint: api.url });
    expect(estimate.source.reason).toBe('Price List API unreachable: ECONNREFUSED');
  });

  it('names the profile that has no credentials', async () => {
    const api = await endpoint('answer', CATALOGUE);
    const { estimate } = await costPreview({ ...CONN, profile: 'nope' }, CLUSTER, { endpoint: api.url });
    expect(estimate.source).toMatchObject({ kind: 'table', reason: "no AWS credentials for profile 'nope'" });
    expect(api.requests).toHaveLength(0);
  });

  it('does not ask the Price List API for an --endpoint-url cluster', async () => {
    const api = await endpoint('answer', CATALOGUE);
    process.env.MESOSCLOUD_PRICING_ENDPOINT = api.url;
    try {
      const { estimate } = await costPreview({ ...CONN, endpointUrl: 'http://localhost:4566' }, CLUSTER);
      expect(estimate.source.kind).toBe('table');
      expect(estimate.source.reason).toBe('--endpoint-url http://localhost:4566 is not AWS: what the cluster would cost on AWS');
    } finally {
      delete process.env.MESOSCLOUD_PRICING_ENDPOINT;
    }
    expect(api.requests).toHaveLength(0);
  });
});

describe('with no credentials at all', () => {
  let dir: string;
  let script: string;

  /** The preview in a process of its own, as the CLI runs it: built with esbuild from the sources. */
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'price-preview-'));
    fs.mkdirSync(path.join(dir, 'home'));
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, [
      `import { costPreview } from ${JSON.stringify(path.join(ROOT, 'infra/providers/aws/price-list'))};`,
      `const started = Date.now();`,
      `costPreview({ region: 'eu-west-1' }, ${JSON.stringify(CLUSTER)}).then((p) =>`,
      `  process.stdout.write(JSON.stringify({ ms: Date.now() - started, source: p.estimate.source, text: p.text })));`,
    ].join('\n'));
    script = path.join(dir, 'entry.js');
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', outfile: script, logLevel: 'silent' });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function runPreview(env: Record<string, string>): Promise<{ ms: number; wallMs: number; source: { kind: string; reason?: string }; text: string }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(dir, 'home'), ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
        if (error) return reject(new Error(`preview failed: ${error.message}\n${stderr}`));
        resolve({ ...JSON.parse(stdout), wallMs: Date.now() - started });
      });
    });
  }

  it('prices from the table, saying there are no credentials (empty environment, empty HOME)', async () => {
    const result = await runPreview({});
    console.log(`no credentials: preview ${result.ms} ms, whole process ${result.wallMs} ms`);
    expect(result.source).toMatchObject({ kind: 'table', reason: 'no AWS credentials' });
    expect(result.text).toContain(`Prices: mesoscloud price table of ${PRICE_TABLE_DATE} (no AWS credentials).`);
  });

  it('does not wait for an instance metadata service that never answers', async () => {
    const imds = await endpoint('never-answer');
    const result = await runPreview({ AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    console.log(`no credentials, silent metadata service: preview ${result.ms} ms, whole process ${result.wallMs} ms`);
    expect(result.source.kind).toBe('table');
    expect(result.source.reason).toMatch(/^no AWS credentials/);
    expect(imds.requests.length).toBeGreaterThan(0); // the chain did get that far
  });
});
