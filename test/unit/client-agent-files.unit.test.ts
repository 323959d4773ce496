import { findSandboxInState } from '../../cluster/client/agent-files';

describe('findSandboxInState', () => {
  const state = {
    frameworks: [{ id: 'f1', executors: [{ id: 'other', directory: '/w/other', tasks: [{ id: 'other' }] }, { id: 'e1', directory: '/w/e1', tasks: [{ id: 't1' }] }] }],
    completed_frameworks: [{ id: 'f2', completed_executors: [{ id: 't9', directory: '/w/t9' }] }],
  };

  it('finds a running task by the executor that runs it', () => {
    expect(findSandboxInState(state, 'f1', 't1')).toBe('/w/e1');
  });

  it('finds a finished task of a completed framework by executor id', () => {
    expect(findSandboxInState(state, 'f2', 't9')).toBe('/w/t9');
  });

  it('returns undefined for unknown tasks or frameworks', () => {
    expect(findSandboxInState(state, 'f1', 'nope')).toBeUndefined();
    expect(findSandboxInState(state, 'fx', 't1')).toBeUndefined();
    expect(findSandboxInState({}, 'f1', 't1')).toBeUndefined();
  });
});
