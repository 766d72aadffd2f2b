import { hostname, userInfo } from 'node:os';

/** Who holds the apply lock, as another apply will print it: `alice@build-7 pid 4242`. */
export function lockHolder(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = 'unknown';
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}

/**
 * True when `holder` names a process on this machine that no longer runs: an
 * apply that was killed before it could release its lease. Its lock may be
 * taken over at once instead of waiting for the lease to expire.
 */
export function isDeadLocalHolder(holder: string): boolean {
  const match = /^.+@(.+) pid (\d+)$/.exec(holder);
  if (match === null || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
