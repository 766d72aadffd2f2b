/**
 * What the test servers built from Go (FerretDB, livekit-server) share: putting
 * a freshly built binary into the cache so that a concurrent run never sees it
 * half written, and free loopback ports to start them on.
 */
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/** Copies `built` to `target` through a staged name and a rename, which is atomic on one file system. */
export async function installBinary(built: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const staged = `${target}.${process.pid}`;
  await copyFile(built, staged);
  await rename(staged, target);
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
