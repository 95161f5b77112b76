/**
 * Live run data. `runs.log` first sends the stored lines after `afterSeq`, then live lines as this
 * process's runner stores them; when another process runs the task, it reads new stored lines from
 * the store every second instead. Every line is sent once, in order, neutralised for display.
 */
import type { Core } from '../core';
import type { SubEvent, SubInput } from '../contract';
import { RunRecords, displayLine, type LogLine } from '../../runner';

const POLL_MS = 1000;
const PAGE = 5000;

function runsLog(core: Core, input: SubInput<'runs.log'>, emit: (event: SubEvent<'runs.log'>) => void): () => void {
  const id = input.id;
  const records = new RunRecords(core.db);
  let last = input.afterSeq ?? 0;
  const send = (line: LogLine) => {
    if (line.seq <= last) return;
    last = line.seq;
    emit({ runId: id, ...line, text: displayLine(line.text) });
  };
  const catchUp = () => {
    for (;;) {
      const page = records.logs(id, { afterSeq: last, limit: PAGE });
      for (const line of page) send(line);
      if (page.length < PAGE) return;
    }
  };
  catchUp();
  const off = core.bus.on('runLog', (e) => {
    if (e.runId === id) send(e.line);
  });
  const timer = setInterval(() => {
    if (core.runner.current()?.holds(id)) return;
    try {
      catchUp();
      if (records.get(id)?.state === 'finished') clearInterval(timer);
    } catch {
      clearInterval(timer);
    }
  }, POLL_MS);
  timer.unref();
  return () => {
    off();
    clearInterval(timer);
  };
}

function runsState(core: Core, input: SubInput<'runs.state'>, emit: (event: SubEvent<'runs.state'>) => void): () => void {
  return core.bus.on('runState', (e) => {
    if (!input.id || e.runId === input.id) emit(e);
  });
}

export const runSubscriptionHandlers = { 'runs.log': runsLog, 'runs.state': runsState };
