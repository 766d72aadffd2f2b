import type { Collection } from 'mongodb';
import type { SessionRecord } from '../types.js';
import { assertStorableKeys, type SessionDoc } from './documents.js';
import type { ServerProfile } from './server-profile.js';

/** How often a session start re-tries after backing out of a race it may have lost. */
const SESSION_ATTEMPTS = 25;

/** session_configurations: one document per live session, counted per tenant against its quota. */
export class SessionDocs {
  /** Whether the TTL index that expires sessions exists (not on servers without TTL indexes, nor in a store opened read-only). */
  private expiredByServer = false;

  constructor(
    private readonly sessions: Collection<SessionDoc>,
    private readonly profile: () => ServerProfile,
  ) {}

  async createIndexes(): Promise<void> {
    await this.sessions.createIndex({ tenant_id: 1, expires_at: 1 }, { name: 'tenant_expiry' });
    if (!this.profile().ttlIndexes) return;
    await this.sessions.createIndex({ expires_at: 1 }, { expireAfterSeconds: 0, name: 'expires_at_ttl' });
    this.expiredByServer = true;
  }

  /**
   * Insert, then count the tenant's live sessions; over the quota, back out.
   * A session is kept only if the count it saw, which includes every session
   * admitted before it, was within the quota, so racing workers never
   * over-admit. A session that backed out retries while the recount shows a
   * free slot, so that racers backing out together do not under-admit.
   */
  async start(session: SessionRecord, maxConcurrent: number | null): Promise<boolean> {
    const { session_id: sessionId, ...fields } = session;
    const live = { tenant_id: session.tenant_id, expires_at: { $gt: session.created_at } };
    if (!this.expiredByServer) await this.sessions.deleteMany({ expires_at: { $lte: session.created_at } });
    for (let attempt = 1; attempt <= SESSION_ATTEMPTS; attempt += 1) {
      await this.sessions.replaceOne({ _id: sessionId }, fields, { upsert: true });
      if (maxConcurrent === null || (await this.sessions.countDocuments(live)) <= maxConcurrent) return true;
      await this.sessions.deleteOne({ _id: sessionId });
      if ((await this.sessions.countDocuments(live)) >= maxConcurrent) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
    return false;
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.deleteOne({ _id: sessionId });
  }

  async countLive(tenantId: string, now: Date): Promise<number> {
    return this.sessions.countDocuments({ tenant_id: tenantId, expires_at: { $gt: now } });
  }
}

/** Refuses, before anything is recorded, session metadata MongoDB cannot store. */
export function assertStorableSession(session: SessionRecord): void {
  assertStorableKeys(session.user_details, `session "${session.session_id}" user_details`);
  assertStorableKeys(session.overrides, `session "${session.session_id}" overrides`);
}
