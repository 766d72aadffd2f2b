import type { Collection } from 'mongodb';
import type { ApiTokenRecord } from '../types.js';
import { isDuplicateKey } from './errors.js';

/** agentctl_tokens: one document per admin API token, `_id` its name; only the token's hash is kept. */
export interface TokenDoc extends Omit<ApiTokenRecord, 'name'> {
  _id: string;
}

function toRecord(doc: TokenDoc): ApiTokenRecord {
  const { _id: name, last_used_at: lastUsedAt, ...rest } = doc;
  return { name, ...rest, ...(lastUsedAt instanceof Date ? { last_used_at: lastUsedAt } : {}) };
}

export class TokenDocs {
  constructor(private readonly tokens: Collection<TokenDoc>) {}

  async createIndexes(): Promise<void> {
    await this.tokens.createIndex({ token_id: 1 }, { name: 'token_id', unique: true });
  }

  async create(token: ApiTokenRecord): Promise<boolean> {
    const { name, ...fields } = token;
    try {
      await this.tokens.insertOne({ _id: name, ...fields });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async list(): Promise<ApiTokenRecord[]> {
    return (await this.tokens.find({}).sort({ _id: 1 }).toArray()).map(toRecord);
  }

  async find(tokenId: string): Promise<ApiTokenRecord | null> {
    const doc = await this.tokens.findOne({ token_id: tokenId });
    return doc === null ? null : toRecord(doc);
  }

  async touch(name: string, at: Date): Promise<void> {
    await this.tokens.updateOne({ _id: name }, { $set: { last_used_at: at } });
  }

  async revoke(name: string): Promise<boolean> {
    return (await this.tokens.deleteOne({ _id: name })).deletedCount === 1;
  }
}
