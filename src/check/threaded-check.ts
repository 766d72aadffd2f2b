/**
 * Checks definition files on several threads: this one and worker threads
 * (check-thread-entry.ts). Files are taken a batch at a time from a counter
 * the threads share, so that a thread slowed by other work takes fewer. A
 * worker sends back, per batch, each file's problems and the index and
 * agent_id (and, when kept, the value) of each document; this thread takes
 * those in between batches of its own. Texts stay with the worker until every
 * file is checked; then this thread asks for the texts that positions and code
 * frames need (files with problems, documents with a duplicated agent_id) and
 * finds positions by composing them here.
 */
import { Worker } from 'node:worker_threads';
import { composeDefinitionSource } from '../definition/yaml/parse.js';
import type { DiscoveredFile } from '../files/discover.js';
import { checkDefinitionFile } from './check-file.js';
import type { CheckedFile, CheckedFileDocument, FileCheckOptions } from './check-file.js';
import { takeBatch } from './thread-protocol.js';
import type { CheckedBatchMessage, CheckedFileMessage, CheckingThreadData } from './thread-protocol.js';

export async function checkInThreads(files: readonly DiscoveredFile[], threads: number, options: FileCheckOptions): Promise<CheckedFile[]> {
  const data: CheckingThreadData = { files, options, nextBatch: new SharedArrayBuffer(4) };
  const results: Array<CheckedFile | undefined> = new Array(files.length);
  const fromWorkers: Array<Map<number, CheckedFileMessage>> = [];
  const workers = Array.from({ length: threads - 1 }, () => {
    const checked = new Map<number, CheckedFileMessage>();
    fromWorkers.push(checked);
    return startWorker(data, checked);
  });
  try {
    await checkHere(data, results);
    await Promise.all(workers.map((worker) => worker.done));

    const needsText = textNeeds([...results.flatMap((file) => (file === undefined ? [] : [file])), ...fromWorkers.flatMap((checked) => [...checked.values()])]);
    for (const [number, checked] of fromWorkers.entries()) {
      const wanted = [...checked].flatMap(([index, file]) => (needsText(file) ? [index] : []));
      const texts = (await workers[number]?.textsOf(wanted)) ?? [];
      const textOf = new Map(wanted.map((index, position) => [index, texts[position]]));
      for (const [index, message] of checked) results[index] = fromMessage(files[index] as DiscoveredFile, message, textOf.get(index), options);
    }
    return files.map((file, index) => {
      const checked = results[index];
      if (checked === undefined) throw new Error(`no result for ${file.displayPath} from the checking threads`);
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

/** This thread's batches, letting the workers' messages in between. */
async function checkHere(data: CheckingThreadData, results: Array<CheckedFile | undefined>): Promise<void> {
  const nextBatch = new Int32Array(data.nextBatch);
  for (let batch = takeBatch(data.files, nextBatch); batch !== undefined; batch = takeBatch(data.files, nextBatch)) {
    batch.files.forEach((file, offset) => {
      results[batch.first + offset] = checkDefinitionFile(file, data.options);
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface CheckingWorker {
  /** Settles when the worker has checked every batch it took. */
  done: Promise<void>;
  /** The texts of the files at these indexes; the worker ends after answering. */
  textsOf(indexes: number[]): Promise<Array<string | undefined>>;
  stop(): Promise<void>;
}

function startWorker(data: CheckingThreadData, checked: Map<number, CheckedFileMessage>): CheckingWorker {
  const worker = new Worker(new URL('./check-thread-entry.js', import.meta.url), { workerData: data });
  let answerTexts: ((texts: Array<string | undefined>) => void) | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a thread checking definition files stopped early (exit code ${code})`)));
  });
  // Handled where awaited; this keeps an early failure from being reported as unhandled meanwhile.
  failed.catch(() => undefined);
  const done = new Promise<void>((resolve) => {
    worker.on('message', (message: CheckedBatchMessage | null | Array<string | undefined>) => {
      if (answerTexts !== undefined) return answerTexts(message as Array<string | undefined>);
      // null: no batches left.
      if (message === null) return resolve();
      const { first, files } = message as CheckedBatchMessage;
      files.forEach((file, offset) => checked.set(first + offset, file));
    });
  });
  return {
    done: Promise.race([done, failed]),
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

function fromMessage(file: DiscoveredFile, message: CheckedFileMessage, source: string | undefined, options: FileCheckOptions): CheckedFile {
  let composed: ReturnType<typeof composeDefinitionSource> | undefined;
  // `kept`: the value, when the check keeps values.
  const documents = message.documents.map(({ index, agentId, ...kept }): CheckedFileDocument => ({
    file: file.displayPath,
    index,
    agentId,
    ...kept,
    positionOf: (pointer) => {
      if (source === undefined) throw new Error(`${file.displayPath}: no text kept for a position; please report this`);
      composed ??= composeDefinitionSource(source, file.displayPath, options.limits);
      const document = composed.documents.find((candidate) => candidate.index === index);
      if (document === undefined) throw new Error(`${file.displayPath}: document ${index + 1} checked in a thread does not compose; please report this`);
      return document.positionOf(pointer);
    },
  }));
  return { problems: message.problems, documents, source };
}
