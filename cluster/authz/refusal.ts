/** The 403 a daemon answers when the ACLs refuse a request: who was refused what. */
import { apiError, type ApiError } from '../protocol/errors';

export function notAuthorized(principal: string | undefined, what: string): ApiError {
  return apiError('FORBIDDEN_PRINCIPAL', `${principal === undefined ? 'an unauthenticated request' : `principal '${principal}'`} is not authorized to ${what}`);
}
