/**
 * Checks definition files on several threads: this one and worker threads
 * (check-files-thread.ts), each taking every n-th file. A worker sends back,
 * per file, its problems, the index and agent_id of each document, and the
 * text, in batches that this thread takes in between batches of its own.
 * Positions asked for later (a duplicate agent_id, a JUnit report) are found
 * by composing that text here, which only files with problems need.
 */
import { Worker } from 'node:worker_threads';
import type { DocumentLocation } from '../definition/document.js';
import { composeDefinitionSource } from '../definition/parse.js';
import type { DiscoveredFile } from '../files/discover.js';
import { checkDefinitionFile } from './check-files.js';
import type { CheckedFile } from './check-files.js';

/** What a thread sends back for one file: plain data, as messages between threads must be. */
export interface CheckedFileMessage {
  problems: CheckedFile['problems'];
  documents: Array<{ index: number; agentId: string | null }>;
  source: string | undefined;
}

/** Files per message from a thread. */
export const FILES_PER_MESSAGE = 250;

export async function checkInThreads(files: readonly DiscoveredFile[], threads: number): Promise<CheckedFile[]> {
  const shares = Array.from({ length: threads }, (_, thread) => files.filter((_file, index) => index % threads === thread));
  const fromWorkers = Promise.all(shares.slice(1).map((share) => checkInThread(share)));
  const own = await checkHere(shares[0] ?? []);
  const results = [own, ...(await fromWorkers).map((messages, worker) => messages.map((message, index) => fromMessage(shares[worker + 1]?.[index] as DiscoveredFile, message)))];
  return files.map((file, index) => {
    const checked = results[index % threads]?.[Math.floor(index / threads)];
    if (checked === undefined) throw new Error(`no result for ${file.displayPath} from its checking thread`);
    return checked;
  });
}

/** This thread's share, a batch at a time, letting the workers' messages in between. */
async function checkHere(files: readonly DiscoveredFile[]): Promise<CheckedFile[]> {
  const checked: CheckedFile[] = [];
  for (let start = 0; start < files.length; start += FILES_PER_MESSAGE) {
    checked.push(...files.slice(start, start + FILES_PER_MESSAGE).map(checkDefinitionFile));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return checked;
}

function checkInThread(files: readonly DiscoveredFile[]): Promise<CheckedFileMessage[]> {
  return new Promise((resolve, reject) => {
    const results: CheckedFileMessage[] = [];
    const worker = new Worker(new URL('./check-files-thread.js', import.meta.url), { workerData: files });
    worker.on('message', (batch: CheckedFileMessage[]) => {
      results.push(...batch);
      if (results.length === files.length) resolve(results);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a thread checking definition files stopped early (exit code ${code})`)));
  });
}

function fromMessage(file: DiscoveredFile, message: CheckedFileMessage): CheckedFile {
  const { source } = message;
  let composed: ReturnType<typeof composeDefinitionSource> | undefined;
  const documents = message.documents.map(({ index, agentId }): DocumentLocation => ({
    file: file.displayPath,
    index,
    agentId,
    positionOf: (pointer) => {
      composed ??= composeDefinitionSource(source ?? '', file.displayPath);
      const document = composed.documents.find((candidate) => candidate.index === index);
      if (document === undefined) throw new Error(`${file.displayPath}: document ${index + 1} checked in a thread does not compose; please report this`);
      return document.positionOf(pointer);
    },
  }));
  return { problems: message.problems, documents, source };
}
