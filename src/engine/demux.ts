/**
 * Splits the engine's multiplexed attach stream (8-byte frame headers: stream type, 3 zero bytes,
 * big-endian length) into stdout and stderr. Streaming, without re-copying the whole buffer on every
 * chunk; frames for stdin (type 0) are dropped; a header that is not a frame header ends both streams
 * and rejects `closed` instead of guessing (a non-TTY container always gets frames).
 */
import { PassThrough, type Readable } from 'node:stream';

export interface Demuxed {
  stdout: PassThrough;
  stderr: PassThrough;
  closed: Promise<void>;
}

export function demuxAttachStream(source: Readable): Demuxed {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let header = Buffer.alloc(0);
  let remaining = 0;
  let target: PassThrough | null = null;
  let failed = false;
  let rejectClosed: (error: Error) => void = () => undefined;

  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    source.destroy();
    stdout.end();
    stderr.end();
    rejectClosed(error);
  };

  source.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length && !failed) {
      if (remaining === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
        offset += Math.min(need, chunk.length - offset);
        if (header.length < 8) break;
        const type = header[0];
        if ((type !== 0 && type !== 1 && type !== 2) || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
          fail(new Error('The engine sent an attach stream that is not multiplexed (was the container created with a TTY?).'));
          return;
        }
        remaining = header.readUInt32BE(4);
        target = type === 1 ? stdout : type === 2 ? stderr : null;
        header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(remaining, chunk.length - offset);
      if (target) target.write(chunk.subarray(offset, offset + take));
      remaining -= take;
      offset += take;
    }
  });

  const closed = new Promise<void>((resolve, reject) => {
    rejectClosed = reject;
    const finish = () => {
      if (!stdout.writableEnded) stdout.end();
      if (!stderr.writableEnded) stderr.end();
      resolve();
    };
    source.once('end', finish);
    source.once('close', finish);
    source.once('error', (error: Error) => fail(error));
  });
  // A caller that stopped waiting (the run settled another way: its node stopped answering and the
  // connection was dropped) must not turn the late rejection into an unhandled one, which ends the process.
  closed.catch(() => undefined);
  return { stdout, stderr, closed };
}
