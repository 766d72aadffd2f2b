/**
 * A worker thread of check-files-threads.ts: checks the files it is given,
 * sends back what the report needs in batches, then answers one request for
 * the texts of some of them, and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DiscoveredFile } from '../files/discover.js';
import { checkDefinitionFile } from './check-files.js';
import { FILES_PER_MESSAGE } from './check-files-threads.js';
import type { CheckedFileMessage } from './check-files-threads.js';

const files = workerData as DiscoveredFile[];
const texts: Array<string | undefined> = [];
for (let start = 0; start < files.length; start += FILES_PER_MESSAGE) {
  const batch = files.slice(start, start + FILES_PER_MESSAGE).map((file): CheckedFileMessage => {
    const { problems, documents, source } = checkDefinitionFile(file);
    texts.push(source);
    return { problems, documents: documents.map(({ index, agentId }) => ({ index, agentId })) };
  });
  parentPort?.postMessage(batch);
}
parentPort?.once('message', (indexes: number[]) => {
  parentPort?.postMessage(indexes.map((index) => texts[index]));
  parentPort?.close();
});
