/** The engine's events as progress lines of a launch or destroy (plain lines: they interleave with the hosts' steps). */
import type { HostProgress } from '../../bootstrap/progress';
import type { EngineEvent } from './engine';
import { StackProgress } from './stack-progress';

export function stackProgress(progress: HostProgress): (e: EngineEvent) => void {
  const lines = new StackProgress({ tty: false });
  return (e) => {
    for (const line of lines.push(e).split('\n')) if (line) progress.note(line);
  };
}
