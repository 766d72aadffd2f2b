/**
 * Checks definition files on several threads: this one and worker threads
 * (check-files-thread.ts), each taking every n-th file. A worker sends back,
 * per file, its problems and the index and agent_id of each document, in
 * batches that this thread takes in between batches of its own. Texts stay
 * with the worker until every file is checked; then this thread asks for the
 * texts that positions and code frames need (files with problems, documents
 * with a duplicate agent_id) and finds positions by composing them here.
 */
import { Worker } from 'node:worker_threads';
import type { DocumentLocation } from '../definition/document.js';
import { composeDefinitionSource } from '../definition/parse.js';
import type { DiscoveredFile } from '../files/discover.js';
import { checkDefinitionFile } from './check-files.js';
import type { CheckedFile } from './check-files.js';

/** What a worker sends back for one file: plain data, as messages between threads must be. */
export interface CheckedFileMessage {
  problems: CheckedFile['problems'];
  documents: Array<{ index: number; agentId: string | null }>;
}

/** Files per message from a worker. */
export const FILES_PER_MESSAGE = 250;

export async function checkInThreads(files: readonly DiscoveredFile[], threads: number): Promise<CheckedFile[]> {
  const shares = Array.from({ length: threads }, (_, thread) => files.filter((_file, index) => index % threads === thread));
  const workers = shares.slice(1).map((share) => startWorker(share));
  try {
    const own = await checkHere(shares[0] ?? []);
    const checkedByWorkers = await Promise.all(workers.map((worker) => worker.checked));
    const results: CheckedFile[][] = [own];
    const needsText = textNeeds([...own, ...checkedByWorkers.flat()]);
    for (const [number, checked] of checkedByWorkers.entries()) {
      const share = shares[number + 1] ?? [];
      const wanted = checked.flatMap((file, index) => (needsText(file) ? [index] : []));
      const texts = await workers[number]?.textsOf(wanted);
      const textOf = new Map(wanted.map((index, position) => [index, texts?.[position]]));
      results.push(checked.map((message, index) => fromMessage(share[index] as DiscoveredFile, message, textOf.get(index))));
    }
    return files.map((file, index) => {
      const checked = results[index % threads]?.[Math.floor(index / threads)];
      if (checked === undefined) throw new Error(`no result for ${file.displayPath} from its checking thread`);
      return checked;
    });
  } finally {
    // Workers end by themselves after sending texts; this ends them after a failure too.
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Whether positions or code frames may need a file's text: it has problems, or a document with an agent_id used twice. */
function textNeeds(files: ReadonlyArray<Pick<CheckedFileMessage, 'problems' | 'documents'>>): (file: CheckedFileMessage) => boolean {
  const idCounts = new Map<string, number>();
  for (const { agentId } of files.flatMap((file) => file.documents)) {
    if (agentId !== null) idCounts.set(agentId, (idCounts.get(agentId) ?? 0) + 1);
  }
  return (file) => file.problems.length > 0 || file.documents.some(({ agentId }) => agentId !== null && (idCounts.get(agentId) ?? 0) > 1);
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

interface CheckingWorker {
  /** Every file of the share checked, in order. */
  checked: Promise<CheckedFileMessage[]>;
  /** The texts of the files at these indexes of the share; the worker ends after answering. */
  textsOf(indexes: number[]): Promise<Array<string | undefined>>;
  stop(): Promise<void>;
}

function startWorker(files: readonly DiscoveredFile[]): CheckingWorker {
  const worker = new Worker(new URL('./check-files-thread.js', import.meta.url), { workerData: files });
  const received: CheckedFileMessage[] = [];
  let answerTexts: ((texts: Array<string | undefined>) => void) | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a thread checking definition files stopped early (exit code ${code})`)));
  });
  // Handled where awaited; this keeps an early failure from being reported as unhandled meanwhile.
  failed.catch(() => undefined);
  const checked = new Promise<CheckedFileMessage[]>((resolve) => {
    worker.on('message', (message: CheckedFileMessage[] | Array<string | undefined>) => {
      if (answerTexts !== undefined) return answerTexts(message as Array<string | undefined>);
      received.push(...(message as CheckedFileMessage[]));
      if (received.length === files.length) resolve(received);
    });
  });
  return {
    checked: Promise.race([checked, failed]),
    textsOf: (indexes) =>
      Promise.race([
        new Promise<Array<string | undefined>>((resolve) => {
          answerTexts = resolve;
          worker.postMessage(indexes);
        }),
        failed,
      ]),
    stop: async () => {
      await worker.terminate();
    },
  };
}

function fromMessage(file: DiscoveredFile, message: CheckedFileMessage, source: string | undefined): CheckedFile {
  let composed: ReturnType<typeof composeDefinitionSource> | undefined;
  const documents = message.documents.map(({ index, agentId }): DocumentLocation => ({
    file: file.displayPath,
    index,
    agentId,
    positionOf: (pointer) => {
      if (source === undefined) throw new Error(`${file.displayPath}: no text kept for a position; please report this`);
      composed ??= composeDefinitionSource(source, file.displayPath);
      const document = composed.documents.find((candidate) => candidate.index === index);
      if (document === undefined) throw new Error(`${file.displayPath}: document ${index + 1} checked in a thread does not compose; please report this`);
      return document.positionOf(pointer);
    },
  }));
  return { problems: message.problems, documents, source };
}
