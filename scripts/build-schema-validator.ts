/**
 * Writes the agent schema's validator as standalone code next to the built
 * agent-schema module (dist/definition/agent-schema.js), so that `agentctl
 * validate` neither imports Ajv's compiler nor compiles the schema at start-up.
 * Run by `npm run build` after tsc; the output is build output (dist/), never
 * committed.
 *
 *   node --import tsx scripts/build-schema-validator.ts [out-dir]   (default: dist/definition)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import standalone from 'ajv/dist/standalone/index.js';
import { compileAgentSchema, createAgentSchemaAjv, PRECOMPILED_VALIDATOR_FILE } from '../src/definition/agent-schema.js';

const standaloneCode = standalone.default;

export function writeSchemaValidator(outDir: string): string {
  const ajv = createAgentSchemaAjv({ source: true });
  const code = standaloneCode(ajv, compileAgentSchema(ajv));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, PRECOMPILED_VALIDATOR_FILE);
  writeFileSync(file, `// Generated from schemas/agent.schema.json by scripts/build-schema-validator.ts; do not edit.\n${code}`);
  return file;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '../..');
  const file = writeSchemaValidator(resolve(process.argv[2] ?? join(root, 'dist/definition')));
  process.stdout.write(`wrote ${file}\n`);
}
