/** The import's worker thread (import-worker.ts), as a script of its own. */
import { isImportWorker, runImportWorker } from './import-worker-thread';

if (isImportWorker()) runImportWorker();
