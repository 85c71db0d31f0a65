// When a driver's timers restart. The engine has no clock for deadlines (drivers run the
// timers), but *when* a deadline starts is a protocol rule, so it is decided here, once, and
// handed to the driver with each output (SessionOutput.restartTimer) instead of every driver
// comparing session phases before and after a call.
//
// Two timers, one at a time, chosen by the session phase (see types.ts):
//   request timeout  while part of a request is held ("receiving"): 408 and close on expiry;
//   idle timeout     between requests ("idle"): close silently on expiry.
//
// The request timer restarts when:
//   - the first byte of a request arrives while the session was idle, or
//   - the call produced output (answered earlier pipelined requests, or sent 100 Continue) and
//     part of a request is still held: time the client spent waiting on us is not its delay,
//     and after 100 Continue the body gets a whole window.
// The idle timer restarts when the call answered the last request it held and nothing of a
// next one has arrived. Otherwise the running deadline keeps running (a request trickling in
// does not extend its own deadline).

export type TimerRestart = 'request' | 'idle';

/**
 * @param wasIdle   no byte of a request was held when the call began
 * @param receiving part of a request is held now (and the session did not close)
 * @param produced  the call produced output: a response or 100 Continue
 */
export function timerToRestart(wasIdle: boolean, receiving: boolean, produced: boolean): TimerRestart | undefined {
  if (receiving) return wasIdle || produced ? 'request' : undefined;
  return produced ? 'idle' : undefined;
}
