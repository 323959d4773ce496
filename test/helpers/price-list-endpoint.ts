/**
 * A stand-in for the AWS Price List API on loopback, speaking its wire protocol (AWS JSON 1.1:
 * POST /, `X-Amz-Target: AWSPriceListService.GetProducts`, `Content-Type: application/x-amz-json-1.1`)
 * so the real @aws-sdk/client-pricing can be pointed at it. GetProducts answers as AWS does:
 * `PriceList` is an array of JSON documents *as strings*, each a product (productFamily,
 * attributes, sku) with its terms (OnDemand, and Reserved to be ignored), keeping the products
 * whose attributes match every TERM_MATCH filter. It can also refuse (AccessDeniedException),
 * fail the calls with a given filter (InternalErrorException), or accept and never answer. Every
 * request is recorded.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One product of the catalogue: its attributes (productFamily among them), its unit and on-demand price. */
export interface CatalogueProduct { attributes: Record<string, string>; unit: 'Hrs' | 'GB-Mo'; usd: number }

/** The attributes of Linux, shared tenancy, no pre-installed software, no licence: the plain on-demand rate. */
export const LINUX_ON_DEMAND = { operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used', licenseModel: 'No License required' };

/** An instance type's hourly price at `location` (the API's long region name), Linux unless `over` says otherwise. */
export const computeProduct = (instanceType: string, location: string, usd: number, over: Record<string, string> = {}): CatalogueProduct =>
  ({ attributes: { productFamily: 'Compute Instance', instanceType, location, ...LINUX_ON_DEMAND, ...over }, unit: 'Hrs', usd });

/** An EBS volume type's $/GB-month at `location`. */
export const storageProduct = (volumeApiName: string, location: string, usd: number): CatalogueProduct =>
  ({ attributes: { productFamily: 'Storage', volumeApiName, location }, unit: 'GB-Mo', usd });

export type PriceListBehaviour = 'answer' | 'deny' | 'never-answer';

export interface RecordedPriceRequest { target?: string; contentType?: string; authorization?: string; body: unknown }

export interface PriceListEndpoint {
  url: string;
  requests: RecordedPriceRequest[];
  close(): Promise<void>;
}

interface Filter { Type: string; Field: string; Value: string }

let skuCounter = 0;

/** A product as a GetProducts document, shaped like AWS's (field names, nesting, string prices). */
function productDocument(p: CatalogueProduct): string {
  const sku = `TESTSKU${String(++skuCounter).padStart(9, '0')}`;
  const { productFamily, ...attributes } = p.attributes;
  const onDemand = `${sku}.JRTCKXETXF`;
  const rate = `${onDemand}.6YS6EN2CT7`;
  const doc = {
    product: { productFamily, attributes: { servicecode: 'AmazonEC2', ...attributes }, sku },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: {
        [onDemand]: {
          priceDimensions: {
            [rate]: {
              unit: p.unit, endRange: 'Inf', description: `$${p.usd} per ${p.unit}`, appliesTo: [], rateCode: rate, beginRange: '0',
              pricePerUnit: { USD: p.usd.toFixed(10) },
            },
          },
          sku, effectiveDate: '2026-11-01T00:00:00Z', offerTermCode: 'JRTCKXETXF', termAttributes: {},
        },
      },
      // A one-year reservation, cheaper per hour: a reader of the prices must not take it for on-demand.
      Reserved: {
        [`${sku}.4NA7Y494T4`]: {
          priceDimensions: {
            [`${sku}.4NA7Y494T4.6YS6EN2CT7`]: {
              unit: p.unit, endRange: 'Inf', description: 'Reserved', appliesTo: [], rateCode: `${sku}.4NA7Y494T4.6YS6EN2CT7`, beginRange: '0',
              pricePerUnit: { USD: (p.usd / 2).toFixed(10) },
            },
          },
          sku, effectiveDate: '2026-11-01T00:00:00Z', offerTermCode: '4NA7Y494T4',
          termAttributes: { LeaseContractLength: '1yr', OfferingClass: 'standard', PurchaseOption: 'No Upfront' },
        },
      },
    },
    version: '20261201000000',
    publicationDate: '2026-12-01T00:00:00Z',
  };
  return JSON.stringify(doc);
}

function matches(p: CatalogueProduct, filters: Filter[]): boolean {
  return filters.every((f) => f.Type === 'TERM_MATCH' && p.attributes[f.Field] === f.Value);
}

function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': `req-${Date.now()}`,
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

/** A filter that makes an answering endpoint fail the call with InternalErrorException (HTTP 500) instead. */
export interface FailingFilter { Field: string; Value: string }

export async function startPriceListEndpoint(
  behaviour: PriceListBehaviour, catalogue: CatalogueProduct[] = [], failing?: FailingFilter,
): Promise<PriceListEndpoint> {
  const requests: RecordedPriceRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const target = req.headers['x-amz-target'] as string | undefined;
      requests.push({ target, contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
      if (behaviour === 'never-answer') return;
      if (req.method !== 'POST' || target !== 'AWSPriceListService.GetProducts' || req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        send(res, 400, { __type: 'UnknownOperationException', message: `not a GetProducts call: ${req.method} ${target}` }, 'UnknownOperationException');
        return;
      }
      if (behaviour === 'deny') {
        const message = 'User: arn:aws:iam::123456789012:user/operator is not authorized to perform: pricing:GetProducts because no identity-based policy allows the pricing:GetProducts action';
        send(res, 400, { __type: 'AccessDeniedException', Message: message }, 'AccessDeniedException');
        return;
      }
      const call = body as { ServiceCode?: string; Filters?: Filter[] };
      if (call.ServiceCode !== 'AmazonEC2' || !Array.isArray(call.Filters)) {
        send(res, 400, { __type: 'InvalidParameterException', Message: 'ServiceCode AmazonEC2 and Filters expected' }, 'InvalidParameterException');
        return;
      }
      if (failing && call.Filters.some((f) => f.Field === failing.Field && f.Value === failing.Value)) {
        send(res, 500, { __type: 'InternalErrorException', Message: 'An internal error occurred' }, 'InternalErrorException');
        return;
      }
      const found = catalogue.filter((p) => matches(p, call.Filters!)).map(productDocument);
      send(res, 200, { FormatVersion: 'aws_v1', PriceList: found });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
