/** The import worker script, marking each start in the file AIRGAP_TEST_IMPORT_WORKER_MARK names (worker.test.ts). */
import { appendFileSync } from 'node:fs';
import '../../../src/bundles/import-worker-entry';

appendFileSync(process.env.AIRGAP_TEST_IMPORT_WORKER_MARK!, 'up\n');
