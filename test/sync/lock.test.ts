import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isDeadLocalHolder, lockHolder } from '../../src/sync/lock.js';
import { deadPid } from './fixtures.js';

describe('isDeadLocalHolder: whose lease may be taken over at once', () => {
  const host = hostname();
  const dead = deadPid();

  it.each([
    ['a process of this machine that has exited', `ghost@${host} pid ${dead}`, true],
    ['a user name holding @ (the host is after the last @ before " pid ")', `ci@corp@${host} pid ${dead}`, true],
    ['this very process', `me@${host} pid ${process.pid}`, false],
    ['a process of this machine that still runs', `parent@${host} pid ${process.ppid}`, false],
    ['another machine', `ghost@elsewhere-${host} pid ${dead}`, false],
    ['no user', `@${host} pid ${dead}`, false],
    ['no host', `ghost@ pid ${dead}`, false],
    ['no @', `${host} pid ${dead}`, false],
    ['a pid that is not a number', `ghost@${host} pid ${dead}x`, false],
    ['no pid', `ghost@${host} pid `, false],
    ['pid 0 (the process group)', `ghost@${host} pid 0`, false],
    ['no space before pid', `ghost@${host}pid ${dead}`, false],
    ['more digits than any pid', `ghost@${host} pid 1234567890123456`, false],
  ])('%s: %s → %s', (_case, holder, expected) => {
    expect(isDeadLocalHolder(holder)).toBe(expected);
  });

  it('names this process as a holder it would never take over', () => {
    expect(lockHolder()).toMatch(new RegExp(`^.+@${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} pid ${process.pid}$`));
    expect(isDeadLocalHolder(lockHolder())).toBe(false);
  });

  it.each([
    ['200,000 @', '@'.repeat(200_000)],
    ['100,000 "a@" and no pid', `${'a@'.repeat(100_000)} pid x`],
    ['40,000 " pid " after an @', `a@b${' pid '.repeat(40_000)}x`],
  ])('a hostile holder read from the store (%s) is answered at once (the former regex took seconds at 40,000 characters)', (_case, holder) => {
    const started = performance.now();
    expect(isDeadLocalHolder(holder)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
