/**
 * POST /api/v1/scheduler, the Mesos v1 scheduler HTTP API in JSON or protobuf. SUBSCRIBE answers with a
 * RecordIO stream (of JSON or protobuf records, as Accept asks) carrying a fresh Mesos-Stream-Id; every other call must name a subscribed framework and
 * carry that stream id, and is answered 202 once the master has acted on it (UPDATE_FRAMEWORK: 200,
 * once the update is applied whole, as Mesos answers it).
 */
import { randomUUID } from 'node:crypto';
import { RecordIOStream, type Handler } from '../../http/server';
import { apiError, quote } from '../../protocol/errors';
import { validateSchedulerCall } from '../../protocol/validate';
import type { FrameworkInfo } from '../../protocol/types';
import type { MasterCore } from '../core';
import { openCorked } from '../state/channels';
import { headerValue, v1Stream } from '../../http/v1-media';
import { V1_MESSAGES } from '../../protocol/wire-codec';
import { frameworkRoles } from '../state/records';
import { dispatchSchedulerCall } from './scheduler-calls';
import { checkFrameworkSettings, checkUnchangeable } from './framework-settings';

export const SCHEDULER_API_PATH = '/api/v1/scheduler';

export function schedulerApiHandler(core: MasterCore): Handler {
  return (req) => {
    const validated = validateSchedulerCall(documentedRequestForm(req.body));
    if (!validated.ok) throw apiError('INVALID_SCHEDULER_CALL', validated.message);
    const call = validated.call;
    const streamId = headerValue(req.headers, 'mesos-stream-id');

    if (call.type === 'SUBSCRIBE') {
      if (streamId !== undefined) throw apiError('SUBSCRIBE_WITH_STREAM_ID', `got ${quote(streamId)}`);
      const subscribe = call.subscribe!;
      const settings = checkFrameworkSettings('subscribe', subscribe);
      checkSubscriber(core, subscribe.framework_info, req.principal);
      authorizeRoles(core, subscribe.framework_info);
      const newStreamId = randomUUID();
      const format = v1Stream(req.headers, V1_MESSAGES.schedulerEvent);
      openCorked(req.res, () => core.frameworks.subscribe(
        settings.info, settings.suppressedRoles,
        new RecordIOStream(req.res, { ...format.headers, 'Mesos-Stream-Id': newStreamId }, core.opts.maxStreamBacklogBytes, format.record), newStreamId,
        settings.constraints,
      ));
      return undefined;
    }

    const frameworkId = call.framework_id!.value;
    if (streamId === undefined) throw apiError('MISSING_STREAM_ID', `${call.type} call of framework ${quote(frameworkId)} has none`);
    const framework = core.records.frameworks.get(frameworkId);
    if (!framework) throw apiError('FRAMEWORK_NOT_FOUND', `framework ${quote(frameworkId)} is not subscribed`);
    if (!framework.connected || framework.streamId !== streamId) {
      throw apiError('FORBIDDEN_STREAM', `stream ID ${quote(streamId)} is not the stream ID currently associated with framework ${quote(frameworkId)}`);
    }
    if (framework.info.principal !== undefined && req.principal !== undefined && framework.info.principal !== req.principal) {
      throw apiError('FORBIDDEN_PRINCIPAL', `framework '${frameworkId}' belongs to another principal than '${req.principal}'`);
    }
    if (call.type === 'UPDATE_FRAMEWORK') {
      const settings = checkFrameworkSettings('update_framework', call.update_framework!);
      checkUnchangeable(framework.info, settings.info);
      authorizeRoles(core, settings.info);
      core.frameworks.update(framework, settings.info, settings.suppressedRoles, settings.constraints);
      return { status: 200 };
    }
    dispatchSchedulerCall(core, framework, call);
    return { status: 202 };
  };
}

/**
 * With an authenticated principal, as Mesos checks: FrameworkInfo.principal must name it, and a
 * framework id already subscribed by another principal is not taken over (its scheduler keeps its stream).
 */
function checkSubscriber(core: MasterCore, info: FrameworkInfo, principal: string | undefined): void {
  if (principal === undefined) return;
  if (info.principal !== principal) {
    throw apiError('FORBIDDEN_PRINCIPAL', `authenticated principal '${principal}' does not match principal '${info.principal ?? ''}' set in FrameworkInfo`);
  }
  const id = info.id?.value;
  const existing = id === undefined ? undefined : core.records.frameworks.get(id);
  if (existing?.info.principal !== undefined && existing.info.principal !== principal) {
    throw apiError('FORBIDDEN_PRINCIPAL', `framework '${id}' is registered by another principal; '${principal}' may not subscribe as it`);
  }
}

/** register_frameworks: FrameworkInfo.principal (checked above to be the authenticated one) may use every role it asks for. */
function authorizeRoles(core: MasterCore, info: FrameworkInfo): void {
  const roles = frameworkRoles(info);
  if (!core.authorizer.authorizedAll('register_frameworks', info.principal, roles)) {
    throw apiError('FORBIDDEN_PRINCIPAL', `Not authorized to use roles '${roles.join(',')}'${info.principal === undefined ? '' : ` as principal '${info.principal}'`}`);
  }
}

/**
 * Mesos's scheduler API document shows REQUEST with `requests` at the top level of the call, while
 * scheduler.proto nests it as `request.requests` (Mesos itself answers the documented form with a 400).
 * Both are taken: the allocator ignores requests anyway, and a client written from the document works.
 */
function documentedRequestForm(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const call = body as Record<string, unknown>;
  if (call.type !== 'REQUEST' || call.request !== undefined || !Array.isArray(call.requests)) return body;
  const { requests, ...rest } = call;
  return { ...rest, request: { requests } };
}
