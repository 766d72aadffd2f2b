/**
 * `agentctl/store`: the store contract and what writing to a store takes
 * (ARCHITECTURE.md, "The store contract"): its roles and records, opening one
 * by URI, the content hash stored beside each definition, and the apply lock
 * every writer of agents holds.
 */
export type * from '../store/types.js';
export { LockHeldError, NotAnAgentctlStoreError, StoreError, StoreUnavailableError } from '../store/types.js';
export type { OpenStoreOptions } from '../store/open.js';
export { openStore } from '../store/open.js';
export type { ParsedStoreUri } from '../store/uri.js';
export { DEFAULT_DATABASE, DEFAULT_STORE_URI, describeStoreUri, parseStoreUri, resolveStoreUri, StoreUriError } from '../store/uri.js';
export { canonicalJson, contentHash } from '../sync/hash.js';
export type { ApplyLease, ApplyLockOptions, ApplyLockStore } from '../sync/lock.js';
export { lockHolder, withApplyLock } from '../sync/lock.js';
