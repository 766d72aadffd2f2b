import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Scalar } from 'yaml';
import { parseDefinitionSource } from '../definition/yaml/parse.js';
import { validateDefinitions } from '../definition/validate.js';
import { UserError } from '../errors/user-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { displayPathOf } from '../files/discover.js';
import { ensureGitignored, type IgnoreUpdate } from '../files/gitignore.js';
import { loadDefinitions } from '../files/load.js';
import { EditRefusedError } from './plan-edits.js';
import { renderBlockScalar } from './render.js';

/**
 * New definition files: `agentctl new` (one agent) and `agentctl init` (a
 * project skeleton). Both write only new files and never replace one.
 */

export interface NewAgentOptions {
  agentType?: string;
  /** Add a comment to every section, for the example `init` writes. */
  explained?: boolean;
  /** The `$schema` path for editors, relative to the file; none when undefined. */
  schemaPath?: string;
}

/** Where this package's agent JSON Schema lives (the same from src/ and dist/). */
const AGENT_SCHEMA_FILE = fileURLToPath(new URL('../../schemas/agent.schema.json', import.meta.url));

/**
 * The `$schema` path an editor needs from a file in `directory`: to this
 * package's schema when it sits inside the project (node_modules, or this
 * repository), else to where `npm install -D agentctl` puts it; never a path
 * outside the project, which would only work on this machine.
 */
export function schemaPathFrom(directory: string, projectRoot: string): string {
  const insideProject = !path.relative(projectRoot, AGENT_SCHEMA_FILE).startsWith('..');
  const schema = insideProject ? AGENT_SCHEMA_FILE : path.join(projectRoot, 'node_modules', 'agentctl', 'schemas', 'agent.schema.json');
  return path.relative(directory, schema).split(path.sep).join('/');
}

/** The text of a new, valid definition for `agentId`. */
export function renderNewAgent(agentId: string, options: NewAgentOptions = {}): string {
  const explain = (text: string): string => (options.explained ? text : '');
  const schemaId = `${agentId.replace(/[^A-Za-z0-9]+/g, '_')}_turn_v1`;
  const header = options.schemaPath === undefined ? '' : `# yaml-language-server: $schema=${options.schemaPath}\n#\n`;
  return `${header}# ${agentId}: ${options.explained ? 'an example voice agent. Copy this file to start another agent,' : 'a voice agent. Edit the prompt and the fields,'}
# then run \`agentctl validate\` and \`agentctl apply\`.

agent_id: ${renderBlockScalar(agentId, Scalar.PLAIN, 2)}
agent_type: ${renderBlockScalar(options.agentType ?? 'assistant', Scalar.PLAIN, 2)}
version: 0.1.0
enabled: true
${explain(`
# The system prompt. {{ user_details.name }} comes from the room metadata;
# dynamic_vars give defaults for other {{ variables }}.`)}
prompt_config:
  instructions: |
    You are a friendly voice assistant. Keep every answer to one or two short
    sentences, and ask one question at a time.
${explain(`
# The structured output the LLM returns on every turn. system_response is
# spoken; voice_instructions steers the TTS voice (tts_config.instruction_field).
# Add fields with: agentctl schema add-field ${agentId} --name ... --type ...`)}
schema_config:
  schema_id: ${schemaId}
  fields:
    - field_name: system_response
      field_type: str
      description: What the assistant says to the user
    - field_name: voice_instructions
      field_type: str
      description: How to say it, e.g. "calm and slow"
      required: false
      metadata:
        use_in_tts: true
${explain(`
# Any OpenAI-compatible endpoint: set base_url, and api_key_env names the
# environment variable that holds the key (never put a key in this file).`)}
llm_config:
  provider: openai
  model: gpt-4o-mini
  temperature: 0.7
  supports_structured_output: true

stt_config:
  provider: deepgram
  model: nova-3
  language: en

tts_config:
  provider: openai
  model: gpt-4o-mini-tts
  voice: alloy
  instruction_field: voice_instructions
${explain(`
# Langfuse tracing; switch it with: agentctl tracing on|off ${agentId}`)}
tracing_config:
  enabled: false
  provider: langfuse

pipeline_config:
  vad_enabled: true
`;
}

/** Names that are safe as a file name as well as an agent_id. */
const FILE_SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface CreateAgentOptions {
  cwd?: string;
  /** Directory for the new file, and the definitions the new id must not clash with. */
  directory?: string;
  agentType?: string;
}

/**
 * Writes `<directory>/<agentId>.yaml` with a new valid definition. Refuses an
 * id that is already defined under the directory, an existing file, or an id
 * the schema rejects; returns the file's path relative to `cwd`.
 */
export async function createAgentFile(agentId: string, options: CreateAgentOptions = {}): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  const directory = path.resolve(cwd, options.directory ?? 'agents');
  if (!FILE_SAFE_ID.test(agentId)) throw new UserError(`"${agentId}" cannot be an agent_id: use kebab-case letters, digits and dashes (e.g. support-agent-v1)`);
  const file = path.join(directory, `${agentId}.yaml`);
  const displayFile = displayPathOf(file, cwd);
  const text = renderNewAgent(agentId, { ...(options.agentType === undefined ? {} : { agentType: options.agentType }), schemaPath: schemaPathFrom(directory, cwd) });

  const existing = existsSync(directory) ? await loadDefinitions([directory], { cwd }) : { documents: [] };
  const clash = existing.documents.find((document) => document.agentId === agentId);
  if (clash !== undefined) throw new UserError(`agent "${agentId}" already exists in ${clash.file}:${clash.positionOf('/agent_id').line}`);
  if (existsSync(file)) throw new UserError(`${displayFile} already exists; not overwritten`);

  const parsed = parseDefinitionSource(text, displayFile);
  const errors = [...parsed.problems, ...validateDefinitions(parsed.documents)].filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new EditRefusedError(`refused: the new definition for "${agentId}" would not be valid; nothing was written`, errors, new Map([[displayFile, text]]));

  await mkdir(directory, { recursive: true });
  await writeFileAtomic(file, text, { exclusive: true });
  return displayFile;
}

const ENV_EXAMPLE = `# Secrets and endpoints agentctl and the worker read from the environment.
# Copy to .env and fill in; keep .env out of git. Agent definitions never hold
# these values (\`agentctl validate\` reports literal secrets).

# LLM (llm_config.provider: openai); OPENAI_BASE_URL for any OpenAI-compatible server
OPENAI_API_KEY=
OPENAI_BASE_URL=

# LLM (llm_config.provider: google, the Gemini API)
GOOGLE_API_KEY=

# Speech-to-text / text-to-speech (provider: deepgram)
DEEPGRAM_API_KEY=

# Text-to-speech (tts_config.provider: elevenlabs)
ELEVEN_API_KEY=

# Tracing (tracing_config.provider: langfuse)
LANGFUSE_PUBLIC_KEY=
LANGFUSE_SECRET_KEY=
LANGFUSE_HOST=https://cloud.langfuse.com

# LiveKit server the worker connects to
LIVEKIT_URL=
LIVEKIT_API_KEY=
LIVEKIT_API_SECRET=

# Store: AGENTCTL_STORE wins over MONGO_URI; with neither, the embedded
# sqlite:.agentctl/agentctl.db is used.
AGENTCTL_STORE=
MONGO_URI=
`;

const EXAMPLE_AGENT_ID = 'example-agent-v1';

export interface InitResult {
  /** The files created, relative to the project directory. */
  created: string[];
  /** `.gitignore` made to ignore the local store and `.env` (created when missing). */
  gitignore: IgnoreUpdate;
}

/**
 * Creates a project skeleton in `cwd`: `agents/example-agent-v1.yaml` (a
 * commented, valid example with the editor's `$schema` line) and
 * `.env.example`. Refuses, writing nothing, if any of them exists. Then makes
 * `.gitignore` ignore the embedded store and `.env`.
 */
export async function initProject(cwd: string = process.cwd()): Promise<InitResult> {
  const directory = path.join(cwd, 'agents');
  const files = new Map<string, string>([
    [path.join(directory, `${EXAMPLE_AGENT_ID}.yaml`), renderNewAgent(EXAMPLE_AGENT_ID, { explained: true, schemaPath: schemaPathFrom(directory, cwd) })],
    [path.join(cwd, '.env.example'), ENV_EXAMPLE],
  ]);
  const display = (file: string): string => displayPathOf(file, cwd);
  const present = [...files.keys()].filter((file) => existsSync(file));
  if (present.length > 0) throw new UserError(`${present.map(display).join(', ')} already exist${present.length === 1 ? 's' : ''}; init writes nothing over existing files`);
  const existing = existsSync(directory) ? await loadDefinitions([directory], { cwd }) : { documents: [] };
  const clash = existing.documents.find((document) => document.agentId === EXAMPLE_AGENT_ID);
  if (clash !== undefined) throw new UserError(`agent "${EXAMPLE_AGENT_ID}" already exists in ${clash.file}; init writes nothing`);
  await mkdir(directory, { recursive: true });
  for (const [file, text] of files) await writeFileAtomic(file, text, { exclusive: true });
  return { created: [...files.keys()].map(display), gitignore: await ensureGitignored(cwd) };
}
