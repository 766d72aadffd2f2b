import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/setup/mongo.ts'],
    // agents-js reaches LiveKit Cloud's inference gateway on its own in places (turn detection in dev mode);
    // in tests it may only ever find a closed port on loopback (the e2e test points it at a recorder).
    env: { LIVEKIT_INFERENCE_URL: 'http://127.0.0.1:9' },
  },
});
