/** The protocol layer: v1 wire types, validation, resources, the RecordIO codec and the error catalogue. */
export * from './types';
export * from './agent-channel';
export * from './recordio';
export {
  Resources, ResourceParseError, InvalidResourceError, UNRESERVED, resourcesFromV1Checked, roleProblem,
} from './resources';
export { AttributeParseError, parseAttributes, attributesToLegacy, attributesToString } from './attributes';
export { DurationParseError, parseDuration, formatDuration } from './duration';
export {
  IdGenerator, newMasterId, newContainerId, newStatusUuid, isStatusUuid, ipToUint32LE, uint32LEToIp, idProblem,
} from './ids';
export { API_ERRORS, ApiError, apiError, apiErrorMessage, notLeaderError } from './errors';
export type { ApiErrorCode } from './errors';
export {
  validateSchedulerCall, validateAgentCall, validateAgentEvent, validateOperatorCall,
  schedulerCallSchema, agentCallSchema, agentEventSchema, operatorCallSchema, offerOperationSchema,
} from './validate';
export type { Validated, OperatorCall } from './validate';
export { checkTaskInfo } from './task-validation';
export { EXECUTOR_API_PATH, executorCallSchema, validateExecutorCall } from './executor';
export type { ExecutorCall, ExecutorEvent, ExecutorUpdate } from './executor';
export * as schemas from './schemas';
