// The memory the main thread and the worker threads share (one SharedArrayBuffer of Int32).
//
// Workers block in the kernel, so they cannot read messages while waiting. What the main
// thread must tell them (stop), and what it must do to them (wake one blocked in recv() on an
// idle keep-alive connection by shutting down that socket's read side), goes through here.
//
// Each worker owns one connection slot: [fd, state]. The state machine keeps the main thread
// from calling shutdown() on an fd number the worker has already closed (and the kernel may
// have handed to someone else):
//
//   NONE   -> no connection; the main thread never touches the slot.
//   ACTIVE -> connection open, a request in progress (or a response being sent).
//   IDLE   -> connection open, between requests: the worker is in (or about to enter) recv().
//   LOCKED -> the main thread is calling shutdown(fd) right now. The worker waits for it to
//             finish before any other transition (it takes microseconds), so it never closes
//             the fd under the main thread's feet.
//
// Only the worker moves a slot between NONE/ACTIVE/IDLE; only the main thread moves it to
// LOCKED and back to what it was.

const STOP = 0;
/** Threads alive (counted by the main thread when it spawns, by a worker when it retires). */
const LIVE = 1;
/** Threads waiting in accept() (counted by the workers themselves). */
const IDLE_IN_ACCEPT = 2;
const SLOTS = 4;
const FD = 0;
const STATE = 1;

export const NONE = 0;
export const ACTIVE = 1;
export const IDLE = 2;
export const LOCKED = 3;
type SlotState = typeof NONE | typeof ACTIVE | typeof IDLE;

export function createSharedState(maxThreads: number): SharedArrayBuffer {
  return new SharedArrayBuffer((SLOTS + 2 * maxThreads) * Int32Array.BYTES_PER_ELEMENT);
}

export class SharedState {
  readonly #cells: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  get stopping(): boolean {
    return Atomics.load(this.#cells, STOP) === 1;
  }
  requestStop(): void {
    Atomics.store(this.#cells, STOP, 1);
  }

  get live(): number {
    return Atomics.load(this.#cells, LIVE);
  }
  /** Main thread: a thread is being started. */
  addLive(): void {
    Atomics.add(this.#cells, LIVE, 1);
  }
  /** Main thread: a thread died without retiring through tryRetire (crash, startup failure). */
  removeLive(): void {
    Atomics.sub(this.#cells, LIVE, 1);
  }
  /** Worker: it is about to wait in accept(). */
  enterAccept(): void {
    Atomics.add(this.#cells, IDLE_IN_ACCEPT, 1);
  }
  /** Worker: accept() gave it a connection, or it leaves the accept loop. */
  leaveAccept(): void {
    Atomics.sub(this.#cells, IDLE_IN_ACCEPT, 1);
  }

  /**
   * Worker, waiting in accept(): leave the pool if more than `floor` threads are alive and
   * another thread also waits in accept(). The last idle thread stays: it is the spare the pool
   * keeps so that a new connection is taken at once (and the main thread hears of it); were it
   * to retire, the pool would start a new spare at once, every retire period. Atomic, so two
   * idle threads cannot both retire past the floor or both leave as the last ones. On success
   * the thread is off both counts.
   */
  tryRetire(floor: number): boolean {
    for (;;) {
      const idle = Atomics.load(this.#cells, IDLE_IN_ACCEPT);
      if (idle <= 1) return false;
      if (Atomics.compareExchange(this.#cells, IDLE_IN_ACCEPT, idle, idle - 1) === idle) break;
    }
    for (;;) {
      const live = Atomics.load(this.#cells, LIVE);
      if (live <= floor) {
        this.enterAccept(); // stays after all
        return false;
      }
      if (Atomics.compareExchange(this.#cells, LIVE, live, live - 1) === live) return true;
    }
  }

  #index(slot: number): number {
    return SLOTS + 2 * slot;
  }

  /** Worker: move its own slot to `state` (and publish `fd` with it), waiting out a LOCKED. */
  setSlot(slot: number, state: SlotState, fd = -1): void {
    const i = this.#index(slot);
    if (state !== NONE) Atomics.store(this.#cells, i + FD, fd);
    for (;;) {
      const current = Atomics.load(this.#cells, i + STATE);
      if (current === LOCKED) {
        Atomics.wait(this.#cells, i + STATE, LOCKED);
        continue;
      }
      if (Atomics.compareExchange(this.#cells, i + STATE, current, state) === current) return;
    }
  }

  /**
   * Main thread: if the slot's state is one of `states`, lock it, run `act(fd)` (a shutdown()
   * call), and restore the state. Returns whether it acted.
   */
  withSlotLocked(slot: number, states: readonly SlotState[], act: (fd: number) => void): boolean {
    const i = this.#index(slot);
    const current = Atomics.load(this.#cells, i + STATE);
    if (!(states as readonly number[]).includes(current)) return false;
    if (Atomics.compareExchange(this.#cells, i + STATE, current, LOCKED) !== current) return false;
    try {
      act(Atomics.load(this.#cells, i + FD));
    } finally {
      Atomics.store(this.#cells, i + STATE, current);
      Atomics.notify(this.#cells, i + STATE);
    }
    return true;
  }
}
