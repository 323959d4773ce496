/**
 * Opening a URL in the operator's browser, only where one can show: macOS always, elsewhere when a
 * display is set. The opener is looked up on PATH first so a missing one is reported, not thrown.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OpenPlan { opener?: string; reason?: string }

/** Which program would open a URL here, or why none would. Pure given its inputs. */
export function planOpen(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, onPath: (program: string) => boolean): OpenPlan {
  const opener = platform === 'darwin' ? 'open' : platform === 'win32' ? undefined : 'xdg-open';
  if (!opener) return { reason: `opening a browser is not supported on ${platform}` };
  if (platform !== 'darwin' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  if (!onPath(opener)) return { reason: `${opener} is not installed` };
  return { opener };
}

export function onPath(program: string, envPath = process.env.PATH ?? ''): boolean {
  return envPath.split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Starts the opener detached; the browser outlives this command. */
export function openUrl(opener: string, url: string): void {
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
