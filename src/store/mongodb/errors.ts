import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { StoreError, StoreUnavailableError } from '../types.js';

const DUPLICATE_KEY = 11000;

/** Runs one store operation, turning driver and server failures into the store's errors. */
export type Guard = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * Connection failures become StoreUnavailableError, and any other failure of
 * the server or driver a StoreError, both naming host:port and database
 * (`displayName`), never credentials: `secrets` are blanked out of the
 * driver's messages. `ping` asks the server whether it is there.
 */
export function storeGuard(displayName: string, secrets: readonly string[], ping: () => Promise<unknown>): Guard {
  const redact = (text: string): string => secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text);
  const reachable = async (): Promise<boolean> => {
    try {
      await ping();
      return true;
    } catch (error) {
      return !isUnreachable(error);
    }
  };
  return async (operation) => {
    try {
      return await operation();
    } catch (error) {
      if (isUnreachable(error) || (isBulkFailureWithoutWriteErrors(error) && !(await reachable()))) {
        throw new StoreUnavailableError(displayName, redact(error.message));
      }
      if (error instanceof MongoError) throw new StoreError(displayName, redact(error.message));
      throw error;
    }
  };
}

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** The failed operations' indexes when there are some and every one is a duplicate key; otherwise undefined. */
export function duplicateIndexes(error: unknown): number[] | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (failures.length === 0) return undefined;
  return failures.every((failure) => failure.code === DUPLICATE_KEY) ? failures.map((failure) => failure.index) : undefined;
}

/**
 * A bulk write that failed for want of the server, not because of any write:
 * the driver wraps the connection or server selection error it met in a
 * MongoBulkWriteError with no write errors (and its message), so whether the
 * server is gone is asked separately.
 */
function isBulkFailureWithoutWriteErrors(error: unknown): error is MongoBulkWriteError {
  return error instanceof MongoBulkWriteError && Array.isArray(error.writeErrors) && error.writeErrors.length === 0 && error.code === undefined;
}

function isUnreachable(error: unknown): error is Error {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  );
}
