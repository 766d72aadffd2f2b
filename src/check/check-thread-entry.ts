/**
 * What a worker thread started by threaded-check.ts runs: checks batches of
 * files until none are left, sending back what callers need, then answers one
 * request for the texts of some of the files it checked, and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDefinitionFile } from './check-file.js';
import { takeBatch } from './thread-protocol.js';
import type { CheckedBatchMessage, CheckingThreadData } from './thread-protocol.js';

const { files, options, nextBatch } = workerData as CheckingThreadData;
const counter = new Int32Array(nextBatch);
const texts = new Map<number, string | undefined>();
for (let batch = takeBatch(files, counter); batch !== undefined; batch = takeBatch(files, counter)) {
  const message: CheckedBatchMessage = {
    first: batch.first,
    files: batch.files.map((file, offset) => {
      const { problems, documents, source } = checkDefinitionFile(file, options);
      texts.set(batch.first + offset, source);
      return { problems, documents: documents.map(({ index, agentId, value }) => (options.keepValues ? { index, agentId, value } : { index, agentId })) };
    }),
  };
  parentPort?.postMessage(message);
}
parentPort?.postMessage(null);
parentPort?.once('message', (indexes: number[]) => {
  parentPort?.postMessage(indexes.map((index) => texts.get(index)));
  parentPort?.close();
});
