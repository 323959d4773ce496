import { leaderLocation, standbyAnswer } from '../../cluster/master/ha/leadership';
import type { MasterInfo } from '../../cluster/protocol/types';

const leader: MasterInfo = {
  id: 'm2', ip: 0, port: 5050, hostname: 'master-2', version: '1.11.0-mesoscloud',
  address: { hostname: 'master-2', ip: '10.0.0.12', port: 5051 },
};
const q = (text = '') => new URLSearchParams(text);

describe('what a standby master answers', () => {
  it('sends API calls, /state and the UI to the leader with a 307 and a scheme-relative Location, as Mesos does', () => {
    expect(leaderLocation(leader)).toBe('//10.0.0.12:5051');
    for (const path of ['/api/v1', '/api/v1/scheduler', '/api/v1/agent', '/state', '/master/state', '/', '/static/app.js']) {
      expect(standbyAnswer(path, q(), leader)).toEqual({ status: 307, headers: { Location: `//10.0.0.12:5051${path}` } });
    }
    expect(standbyAnswer('/tasks', q('limit=5&order=asc'), leader)).toEqual({ status: 307, headers: { Location: '//10.0.0.12:5051/tasks?limit=5&order=asc' } });
  });

  it('answers /redirect and /master/redirect with the leader itself', () => {
    expect(standbyAnswer('/redirect', q(), leader)).toEqual({ status: 307, headers: { Location: '//10.0.0.12:5051' } });
    expect(standbyAnswer('/master/redirect', q(), leader)).toEqual({ status: 307, headers: { Location: '//10.0.0.12:5051' } });
  });

  it('answers 503 with a reason while no master leads', () => {
    for (const path of ['/api/v1/scheduler', '/redirect', '/state']) {
      const answer = standbyAnswer(path, q(), undefined);
      expect(answer?.status).toBe(503);
      expect(answer?.text).toMatch(/No leading master/);
    }
  });

  it('serves its own health, version, flags and metrics', () => {
    for (const path of ['/health', '/master/health', '/version', '/flags', '/metrics', '/metrics/snapshot', '/master/metrics/snapshot']) {
      expect(standbyAnswer(path, q(), leader)).toBeUndefined();
      expect(standbyAnswer(path, q(), undefined)).toBeUndefined();
    }
  });

  it('uses the hostname when MasterInfo has no address', () => {
    expect(leaderLocation({ id: 'm', ip: 0, port: 6060, hostname: 'h' })).toBe('//h:6060');
  });
});
