import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors/user-error.js';
import { installCommandForMissing, requireWorkerStack, workerStack } from '../../src/cli/worker-stack.js';
import { repo } from './run-agentctl.js';

const STACK = {
  '@livekit/agents': '1.9.0',
  '@livekit/agents-plugin-deepgram': '1.9.0',
  '@livekit/agents-plugin-openai': '1.9.0',
  '@livekit/agents-plugin-silero': '1.9.0',
  '@livekit/rtc-node': '0.13.35',
  langfuse: '3.39.2',
};

/** Optional peers loaded only where they are used: a provider's plugin by the session that names it, the web server by serve. */
const LOADED_WHERE_USED = {
  '@fastify/swagger': '^9.9.3',
  '@fastify/swagger-ui': '^6.1.3',
  '@livekit/agents-plugin-elevenlabs': '1.9.0',
  '@livekit/agents-plugin-google': '1.9.0',
  fastify: '^5.12.8',
};

describe('the LiveKit stack worker and chat need', () => {
  it('is the optional peer dependencies but the provider plugins and the web server, pinned exactly, and the same versions in devDependencies', () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(workerStack()).toEqual(STACK);
    expect(manifest.peerDependencies).toEqual({ ...STACK, ...LOADED_WHERE_USED });
    expect(manifest.peerDependenciesMeta).toEqual(Object.fromEntries(Object.keys({ ...STACK, ...LOADED_WHERE_USED }).map((name) => [name, { optional: true }])));
    for (const [name, version] of Object.entries({ ...STACK, ...LOADED_WHERE_USED })) {
      expect(manifest.devDependencies?.[name]).toBe(version);
      expect(manifest.dependencies?.[name]).toBeUndefined();
    }
  });

  it('names one install command for exactly the missing packages, with their versions', () => {
    const installed = (name: string) => name === '@livekit/agents-plugin-deepgram' || name === 'langfuse';
    expect(installCommandForMissing({ stack: STACK, installed, platform: 'linux' })).toBe(
      'ONNXRUNTIME_NODE_INSTALL=skip npm install @livekit/agents@1.9.0 @livekit/agents-plugin-openai@1.9.0 @livekit/agents-plugin-silero@1.9.0 @livekit/rtc-node@0.13.35',
    );
  });

  it('skips the onnxruntime download only when the silero plugin (which pulls it) is missing, and not in Windows shells', () => {
    const onlyLangfuseMissing = (name: string) => name !== 'langfuse';
    expect(installCommandForMissing({ stack: STACK, installed: onlyLangfuseMissing, platform: 'linux' })).toBe('npm install langfuse@3.39.2');
    expect(installCommandForMissing({ stack: STACK, installed: () => false, platform: 'win32' })).toBe(
      'npm install @livekit/agents@1.9.0 @livekit/agents-plugin-deepgram@1.9.0 @livekit/agents-plugin-openai@1.9.0 @livekit/agents-plugin-silero@1.9.0 @livekit/rtc-node@0.13.35 langfuse@3.39.2',
    );
  });

  it('resolves packages from where agentctl is installed: this repo has the whole stack', () => {
    expect(installCommandForMissing()).toBeUndefined();
    expect(() => requireWorkerStack('worker')).not.toThrow();
  });

  it('throws a user error (one line, exit 1) for a package that does not resolve', () => {
    let thrown: unknown;
    try {
      requireWorkerStack('chat', { stack: { 'agentctl-test-no-such-package': '1.2.3', langfuse: '3.39.2' }, platform: 'linux' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).message).toBe(
      'chat needs the LiveKit agents packages, which are not installed; install them with: npm install agentctl-test-no-such-package@1.2.3',
    );
  });
});
