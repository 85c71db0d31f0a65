// Talking to a load driver process that may be gone: the harness must not crash on the write.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sendToDriver } from '../../harness/load/run-load.js';

/** A driver's ChildProcess whose channel still reads as connected but whose process is gone: a
 *  write fails with EPIPE, reported as Node reports it (ChildProcess.send): to the callback when
 *  there is one, else as an 'error' event, which crashed a gate run here when nothing listened
 *  (reproduced with a real child that exits while the parent is blocked; not reliably inside a
 *  test worker, hence this stand-in). */
class GoneDriver extends EventEmitter {
  connected = true;
  sent = 0;
  send(_message: unknown, callback?: (error: Error | null) => void): boolean {
    this.sent++;
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    if (callback) process.nextTick(callback, epipe);
    else process.nextTick(() => this.emit('error', epipe));
    return false;
  }
}

describe('sendToDriver', () => {
  it('drops a message whose write fails (EPIPE) instead of raising an error event', async () => {
    const driver = new GoneDriver();
    const errors: Error[] = [];
    driver.on('error', (e: Error) => errors.push(e));
    for (let i = 0; i < 3; i++) sendToDriver(driver, { type: 'count' });
    await new Promise((r) => setImmediate(r));
    expect(driver.sent).toBe(3);
    expect(errors).toEqual([]);
  });

  it('does not write to a driver whose channel is already closed', () => {
    const driver = new GoneDriver();
    driver.connected = false;
    sendToDriver(driver, { type: 'stop' });
    expect(driver.sent).toBe(0);
  });
});
