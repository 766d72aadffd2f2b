import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { describeAdminApi } from './api-suite.js';

let dir: string;
let opened = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentctl-serve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeAdminApi('sqlite', () => openStore(`sqlite:${join(dir, `api-${++opened}.db`)}`));

const mongoUri = inject('mongoUri');
if (mongoUri === null) {
  describe.skip(inject('mongoSkipReason'), () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  describeAdminApi('mongodb', () => openStore(mongoUri, { database: `agentctl_test_serve_${process.pid}_${++opened}` }));
}
