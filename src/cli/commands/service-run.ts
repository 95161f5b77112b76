/**
 * `airgap-runner service`: the core without a window, until SIGTERM or SIGINT (systemd's stop).
 * Loaded only by that command: it brings the whole core. Lines on stderr go to the journal.
 */
import { Core } from '../../api';
import { Service } from '../../service';

export async function runService(home: string): Promise<number> {
  const log = (line: string) => process.stderr.write(`airgap-runner service: ${line}\n`);
  const core = new Core({ home });
  let service: Service;
  try {
    service = await Service.start({ core, log });
  } catch (error) {
    await core.close().catch(() => undefined);
    throw error;
  }
  log(`pid ${process.pid} serving ${service.socketPath}; sealed until an operator or admin runs "airgap-runner service unseal"`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: stopping (runs end as interrupted, containers removed, lease released)`);
      void service.stop(`the service received ${signal}`).finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
  return 0;
}
