/** A run's SSH certificates, signed as it starts (runs with `ssh` credentials only). */
import type { ExecEnv, RunJob } from './execute';

/**
 * Signs the run's SSH certificates (validity up to the deadline of a run starting now), records them
 * with their audit event, and adds the key and certificate files to the run's secrets.
 */
export function issueSshCertificates(env: ExecEnv, job: RunJob): void {
  const now = env.now();
  const deadline = new Date(now.getTime() + job.timeoutSeconds * 1000);
  const { files } = env.fence.write(() => {
    const out = job.ssh!.issue(env.ctx.db, job.id, now, deadline);
    env.ctx.record({
      actor: `user:${job.startedBy}`,
      action: 'runs.sshCertificates',
      target: `run:${job.id}`,
      outcome: 'success',
      details: {
        bundle: job.bundle.name,
        certificates: out.issued.map((c) => ({
          serial: c.serial,
          ca: c.ca,
          credential: c.credential,
          principals: c.principals,
          validAfter: c.validAfter,
          validBefore: c.validBefore,
          critical: c.critical,
        })),
      },
    });
    return out;
  });
  for (const [name, value] of files) job.secrets.set(name, value);
}
