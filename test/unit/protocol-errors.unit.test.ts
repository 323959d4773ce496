import { HttpError } from '../../cluster/http/server';
import { API_ERRORS, ApiError, ApiErrorCode, apiError, notLeaderError } from '../../cluster/protocol/errors';

describe('API error catalogue', () => {
  const codes = Object.keys(API_ERRORS) as ApiErrorCode[];

  it.each(codes.map((c) => [c]))('%s has an HTTP error status and a template with one {detail}', (code) => {
    const { status, template } = API_ERRORS[code];
    expect(status === 307 || (status >= 400 && status <= 599)).toBe(true);
    expect(template).toMatch(/^[^{}]+: \{detail\}$/);
  });

  it('includes the statuses the APIs answer with', () => {
    expect(API_ERRORS.BAD_REQUEST.status).toBe(400);
    expect(API_ERRORS.FORBIDDEN_STREAM.status).toBe(403);
    expect(API_ERRORS.FRAMEWORK_NOT_FOUND.status).toBe(403);
    expect(API_ERRORS.NOT_LEADER.status).toBe(307);
    expect(API_ERRORS.NO_LEADER.status).toBe(503);
    expect(API_ERRORS.METHOD_NOT_ALLOWED.status).toBe(405);
    expect(API_ERRORS.UNSUPPORTED_MEDIA.status).toBe(415);
    expect(API_ERRORS.NOT_ACCEPTABLE.status).toBe(406);
  });

  it('builds an HttpError the router answers with', () => {
    const err = apiError('INVALID_SCHEDULER_CALL', "Expecting 'accept' to be present");
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('INVALID_SCHEDULER_CALL');
    expect(err.message).toBe("Failed to validate scheduler::Call: Expecting 'accept' to be present");
  });

  it('drops the detail placeholder when there is no detail', () => {
    expect(apiError('MISSING_STREAM_ID').message).toBe("All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    expect(apiError('NO_LEADER').status).toBe(503);
  });

  it('redirects to the leader with a Location header', () => {
    const err = notLeaderError('http://10.0.0.2:5050/api/v1/scheduler');
    expect(err.status).toBe(307);
    expect(err.headers).toEqual({ Location: 'http://10.0.0.2:5050/api/v1/scheduler' });
  });
});
