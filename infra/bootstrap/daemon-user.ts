/**
 * The system user masters and ZooKeeper run as on SSH hosts. The bootstrap creates it when missing
 * (shadow's useradd, or BusyBox's adduser), marked by its comment as ours, and `destroy` removes it
 * with the host's last cluster, but only when the mark says we made it.
 */
import { DAEMON_USER } from '../plan/remote-layout';
import { shellQuote as q } from './ssh-quote';

export const DAEMON_USER_COMMENT = 'mesoscloud daemons';

/** Creates `user` (a system account with its own group, no home, no login shell) unless it exists. */
export function ensureUserCommand(user: string): string {
  const u = q(user);
  const comment = q(DAEMON_USER_COMMENT);
  return `id -u ${u} >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --comment ${comment} ${u} ` +
    `|| adduser -S -D -H -h /nonexistent -s /sbin/nologin -g ${comment} ${u}`;
}

/**
 * Removes the daemons' user (and its group) when its comment says the bootstrap created it. userdel
 * refuses while a process of the user lives, and a stopped daemon can take a moment to exit on a
 * busy host: it is tried again for up to 10 s.
 */
export function removeUserCommand(user = DAEMON_USER): string {
  const u = q(user);
  const remove = `userdel ${u} 2>/dev/null || deluser ${u} 2>/dev/null`;
  return `if getent passwd ${u} | cut -d: -f5 | grep -qxF ${q(DAEMON_USER_COMMENT)}; then ` +
    `n=0; until ${remove}; do n=$((n+1)); [ $n -ge 50 ] && break; sleep 0.2; done; ` +
    `getent group ${u} >/dev/null && { groupdel ${u} 2>/dev/null || delgroup ${u} 2>/dev/null; }; fi; true`;
}
