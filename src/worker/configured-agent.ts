/**
 * `ConfiguredAgent`: the base of the project file's agent types
 * (`agentTypes` in `agentctl.config.ts`). The worker makes one per session,
 * in a LiveKit room and in `agentctl chat` alike, and calls its hooks; it
 * talks to the session only through `this.session` (a `SessionControl`), so
 * an agent type behaves the same in both. It loads no LiveKit package: a
 * project file that extends it can be loaded by `validate` where the voice
 * stack is not installed.
 */
import { isRecord } from '../json/guards.js';
import type { AgentTypeHooks, AgentTypeOptions, SessionContext, SessionControl, SessionGreeting } from '../project/config.js';

export class ConfiguredAgent implements AgentTypeHooks {
  /** The running session: `say`, `generateReply`, `endSession`, and who it is for (`context`). */
  protected readonly session: SessionControl;
  /** The YAML's `prompt_config.greeting` with the session's values filled in, or null. */
  protected readonly greeting: SessionGreeting | null;

  constructor(options: AgentTypeOptions) {
    this.session = options.session;
    this.greeting = options.greeting;
  }

  get context(): SessionContext {
    return this.session.context;
  }

  /** Says the YAML's greeting, or has the LLM produce it (`greeting: { generate: true }`). A subclass that overrides it greets its own way. */
  async onEnter(): Promise<void> {
    await this.greet();
  }

  async onExit(): Promise<void> {}

  // A hook for subclasses: the base has nothing to do with a reply.
  onStructuredReply(_reply: Readonly<Record<string, unknown>>, _context: SessionContext): Promise<void> | void {}

  /** The YAML's greeting, said or generated; nothing when there is none. */
  protected async greet(): Promise<void> {
    const greeting = this.greeting;
    if (greeting === null) return;
    if (greeting.kind === 'say') await this.session.say(greeting.text);
    else await this.session.generateReply(greeting.instructions === undefined ? {} : { instructions: greeting.instructions });
  }
}

const SESSION_CONTROL = Symbol.for('agentctl.session-control');

/** Marks the object the worker hands tools as their session, so `sessionControl` can tell it from anything else. */
export function markSessionControl<T extends SessionControl>(control: T): T {
  Object.defineProperty(control, SESSION_CONTROL, { value: true });
  return control;
}

/**
 * The session a tool runs in, from the `ctx` agents-js gives its `execute`
 * (`llm.tool({ execute: (args, { ctx }) => ... })`): the same object in a
 * room and in `agentctl chat`. Throws when `ctx` is not one the worker made.
 */
export function sessionControl(ctx: { userData: unknown }): SessionControl {
  let userData: unknown;
  try {
    userData = ctx.userData;
  } catch {
    // agents-js throws when a session has no userData: not a session the worker started.
    userData = undefined;
  }
  if (isRecord(userData) && Object.hasOwn(userData, SESSION_CONTROL)) return userData as unknown as SessionControl;
  throw new Error('this tool runs outside an agentctl session (ctx.userData is not the session the worker made)');
}
