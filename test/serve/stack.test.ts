import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.js';
import { requireServeStack, workerStack } from '../../src/cli/worker-stack.js';

describe('the packages serve needs', () => {
  it('are named in one install command when missing, and are no part of the LiveKit stack worker and chat check', () => {
    let error: unknown;
    try {
      requireServeStack({ installed: (name) => name === 'fastify', platform: 'linux' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('serve needs Fastify and its Swagger plugins, which are not installed; install them with: npm install @fastify/swagger@^9.9.3 @fastify/swagger-ui@^6.1.3');
    expect(() => requireServeStack()).not.toThrow();
    expect(Object.keys(workerStack()).filter((name) => name.includes('fastify'))).toEqual([]);
  });
});
