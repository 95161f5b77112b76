/**
 * A core holding schedules in a process of its own, for the SIGKILL test (scheduler-kill.test.ts):
 * it opens the home, signs in as the operator, unseals the scheduler with that operator's keys and
 * ticks every 100 ms. Its clock runs SPEED times faster than real time from a shared origin, so a
 * 60 s interval comes every few seconds and the clock goes on across a restart (the downtime is
 * real). SIGTERM closes the core (runs interrupted, lease released). This stands in for
 * `airgap-runner service`, which is not on main yet.
 */
import { Core, dispatch } from '../../../src/api';

const [home, user, password, base, origin, speed] = process.argv.slice(2) as [string, string, string, string, string, string];
const clock = { now: () => new Date(Date.parse(base) + (Date.now() - Number(origin)) * Number(speed)) };
const core = new Core({ home, clock });
const { sessionId } = await dispatch(core, null, 'auth.signIn', { name: user, password });
const session = core.sessions.all().find((s) => s.id === sessionId)!;
core.unsealScheduler(session.keyring);
core.sessions.end(sessionId);
core.scheduler.start(100);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void core.close('the test stopped the scheduler process').finally(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);
