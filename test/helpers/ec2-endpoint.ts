/**
 * An EC2 Query API endpoint on loopback for the AWS provider's tests: the real `@aws-sdk/client-ec2`
 * talks to it as to EC2 (form-encoded `Action=...&Version=2016-11-15` POSTs, XML answers in EC2's
 * namespace, EC2's error bodies and statuses). It keeps its resources in memory (`state`), lets
 * instances run on real test machines (`addMachines`: their addresses and console output), records
 * every call (`calls`) and fails on request (`failNext`). Signatures are not checked, but a request
 * must be signed (any dummy credentials do): the region comes from the signature's scope, as EC2's
 * endpoint is the region's.
 *
 * The actions and their behaviour are listed in docs/aws-ec2.md ("The EC2 endpoint of the tests").
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TIMING, type ActionContext, type Ec2Timing, type Handler } from './ec2-endpoint/context';
import * as images from './ec2-endpoint/images';
import * as instances from './ec2-endpoint/instances';
import * as keyPairs from './ec2-endpoint/key-pairs';
import * as network from './ec2-endpoint/network';
import * as rules from './ec2-endpoint/network-rules';
import { Ec2Fault, Params } from './ec2-endpoint/params';
import * as placement from './ec2-endpoint/placement';
import { seedState } from './ec2-endpoint/seed';
import type { Ec2State, InstanceStateName, Machine } from './ec2-endpoint/state';
import * as tags from './ec2-endpoint/tags';
import * as volumes from './ec2-endpoint/volumes';
import { actionResponse, errorResponse } from './ec2-endpoint/xml';

export type { Ec2State, Instance, Image, Machine } from './ec2-endpoint/state';
export type { Ec2Timing } from './ec2-endpoint/context';
export { CANONICAL_OWNER, IMPOSTOR_OWNER, DEFAULT_ACCOUNT } from './ec2-endpoint/seed';
export { hostKeyBlock, bootConsole, newHostKeyLine } from './ec2-endpoint/console-text';

const HANDLERS: Record<string, Handler> = {
  RunInstances: instances.runInstances,
  DescribeInstances: instances.describeInstances,
  TerminateInstances: instances.terminateInstances,
  GetConsoleOutput: instances.getConsoleOutput,
  DescribeImages: images.describeImages,
  CreateImage: images.createImage,
  DeregisterImage: images.deregisterImage,
  CreateTags: tags.createTags,
  DeleteTags: tags.deleteTags,
  DescribeRegions: placement.describeRegions,
  DescribeAvailabilityZones: placement.describeAvailabilityZones,
  DescribeInstanceTypes: placement.describeInstanceTypes,
  DescribeInstanceTypeOfferings: placement.describeInstanceTypeOfferings,
  CreateVpc: network.createVpc,
  DescribeVpcs: network.describeVpcs,
  DeleteVpc: network.deleteVpc,
  CreateSubnet: network.createSubnet,
  DescribeSubnets: network.describeSubnets,
  DeleteSubnet: network.deleteSubnet,
  CreateSecurityGroup: network.createSecurityGroup,
  DescribeSecurityGroups: network.describeSecurityGroups,
  DeleteSecurityGroup: network.deleteSecurityGroup,
  CreateInternetGateway: network.createInternetGateway,
  DescribeInternetGateways: network.describeInternetGateways,
  AttachInternetGateway: network.attachInternetGateway,
  DetachInternetGateway: network.detachInternetGateway,
  DeleteInternetGateway: network.deleteInternetGateway,
  CreateRouteTable: network.createRouteTable,
  DescribeRouteTables: network.describeRouteTables,
  DeleteRouteTable: network.deleteRouteTable,
  AuthorizeSecurityGroupIngress: rules.authorizeSecurityGroupIngress,
  AuthorizeSecurityGroupEgress: rules.authorizeSecurityGroupEgress,
  CreateRoute: rules.createRoute,
  AssociateRouteTable: rules.associateRouteTable,
  DisassociateRouteTable: rules.disassociateRouteTable,
  ModifySubnetAttribute: rules.modifySubnetAttribute,
  ImportKeyPair: keyPairs.importKeyPair,
  DescribeKeyPairs: keyPairs.describeKeyPairs,
  DeleteKeyPair: keyPairs.deleteKeyPair,
  CreateVolume: volumes.createVolume,
  DescribeVolumes: volumes.describeVolumes,
  DeleteVolume: volumes.deleteVolume,
};

export const SUPPORTED_ACTIONS = Object.keys(HANDLERS);

/** The status EC2 answers each error code with, when a fault does not say. */
const STATUS_OF: Record<string, number> = {
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  RequestLimitExceeded: 503,
  Unavailable: 503,
  InsufficientInstanceCapacity: 500,
  InternalError: 500,
  ServerInternal: 500,
};

/** What failNext makes the endpoint answer instead of doing the action. */
export interface Ec2FaultSpec {
  code: string;
  /** Default: a message like EC2's for the well-known codes. */
  message?: string;
  /** Default: EC2's status for the code (401, 403, 500, 503), else 400. */
  status?: number;
  /** How many of the next calls fail (default 1). */
  times?: number;
}

export interface Ec2Call {
  action: string;
  region: string;
  /** The form parameters as received (Action and Version aside). */
  params: Record<string, string>;
}

export interface Ec2EndpointOptions {
  timing?: Partial<Ec2Timing>;
  /** The caller's account (default 123456789012). */
  accountId?: string;
  /** Region for unsigned-looking requests whose scope names none (default us-east-1). */
  defaultRegion?: string;
}

export interface Ec2Endpoint {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly state: Ec2State;
  readonly timing: Ec2Timing;
  /** Every request received, in order (also the failed ones). */
  readonly calls: Ec2Call[];
  /** The actions received, in order. */
  actions(): string[];
  /** Machines RunInstances hands out, one per instance, in order (freed when the instance terminates). */
  addMachines(machines: Machine[]): void;
  /** The next `times` calls of `action` are carried out, but answered only `ms` later. */
  delayNext(action: string, ms: number, times?: number): void;
  /** The next `times` calls of `action` ('*' for any) fail with this error. */
  failNext(action: string, fault: Ec2FaultSpec): void;
  /** Changes an instance's state as EC2 would by itself (a spot reclaim, a failed boot), with the reason it shows. */
  setInstanceState(instanceId: string, state: InstanceStateName, reason?: { code: string; message: string }): void;
  /** What the instance's console shows from now on. */
  setConsoleOutput(instanceId: string, text: string): void;
  close(): Promise<void>;
}

function defaultMessage(code: string, action: string): string {
  switch (code) {
    case 'UnauthorizedOperation':
      // EC2 appends an encoded message only `sts decode-authorization-message` can read.
      return `You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action. Encoded authorization failure message: ${Buffer.from(`denied ec2:${action}`).toString('base64')}`;
    case 'AuthFailure':
      return 'AWS was not able to validate the provided access credentials';
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    case 'InsufficientInstanceCapacity':
      return 'We currently do not have sufficient capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity.';
    default:
      return `${code} (injected by the test)`;
  }
}

/** The region in a SigV4 Authorization header's credential scope (Credential=AKID/date/REGION/ec2/aws4_request). */
function signedRegion(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/\d{8}\/([^/]+)\/ec2\//.exec(authorization)?.[1] : undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startEc2Endpoint(opts: Ec2EndpointOptions = {}): Promise<Ec2Endpoint> {
  const state = seedState(opts.accountId);
  const timing: Ec2Timing = { ...DEFAULT_TIMING, ...opts.timing };
  const calls: Ec2Call[] = [];
  const faults: { action: string; spec: Ec2FaultSpec; left: number }[] = [];
  const delays: { action: string; ms: number; left: number }[] = [];

  const answer = (res: http.ServerResponse, status: number, body: string, requestId: string) => {
    res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const requestId = randomUUID();
    const query = new URL(req.url ?? '/', 'http://localhost').search.slice(1);
    const body = req.method === 'POST' ? await readBody(req) : query;
    const params = Params.fromForm(body);
    const action = params.get('Action') ?? '';
    const region = signedRegion(req.headers.authorization) ?? opts.defaultRegion ?? 'us-east-1';
    calls.push({ action, region, params: Object.fromEntries([...params.map].filter(([k]) => k !== 'Action' && k !== 'Version')) });
    const fail = (f: Ec2Fault) => answer(res, f.status, errorResponse(f.code, f.message, requestId), requestId);
    if (!req.headers.authorization && !params.get('X-Amz-Signature')) return fail(new Ec2Fault('MissingAuthenticationToken', 'Request is missing Authentication Token', 401));
    const fault = faults.find((f) => f.left > 0 && (f.action === action || f.action === '*'));
    if (fault) {
      fault.left--;
      const { code, message, status } = fault.spec;
      return fail(new Ec2Fault(code, message ?? defaultMessage(code, action), status ?? STATUS_OF[code] ?? 400));
    }
    const handler = HANDLERS[action];
    if (!handler) return fail(new Ec2Fault('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`));
    if (!state.regions.some((r) => r.name === region)) return fail(new Ec2Fault('AuthFailure', `AWS was not able to validate the provided access credentials (no such region: ${region})`, 401));
    const now = Date.now();
    instances.advance(state, now, timing.terminatedVisibleMs);
    try {
      if (params.bool('DryRun')) {
        const ctx: ActionContext = { state: structuredClone(state), params, region, now, timing };
        handler(ctx);
        return fail(new Ec2Fault('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412));
      }
      const fields = handler({ state, params, region, now, timing });
      // The action is done; its answer can be held back (a slow API, or a client killed while it waits).
      const delay = delays.find((d) => d.left > 0 && d.action === action);
      if (delay) {
        delay.left--;
        await new Promise((r) => setTimeout(r, delay.ms));
      }
      answer(res, 200, actionResponse(action, requestId, fields), requestId);
    } catch (err) {
      if (err instanceof Ec2Fault) return fail(err);
      fail(new Ec2Fault('InternalError', `An internal error has occurred: ${(err as Error).message}`, 500));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) answer(res, 500, errorResponse('InternalError', String(err), 'none'), 'none');
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    state,
    timing,
    calls,
    actions: () => calls.map((c) => c.action),
    addMachines(machines) {
      state.machines.push(...machines.map((m) => ({ ...m })));
    },
    delayNext(action, ms, times = 1) {
      delays.push({ action, ms, left: times });
    },
    failNext(action, spec) {
      faults.push({ action, spec, left: spec.times ?? 1 });
    },
    setInstanceState(instanceId, name, reason) {
      const instance = state.instances.get(instanceId);
      if (!instance) throw new Error(`no instance ${instanceId} on this endpoint`);
      instances.setState(state, instance, name, Date.now(), timing.terminatedVisibleMs, reason);
    },
    setConsoleOutput(instanceId, text) {
      const instance = state.instances.get(instanceId);
      if (!instance) throw new Error(`no instance ${instanceId} on this endpoint`);
      instance.consoleOutput = text;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
