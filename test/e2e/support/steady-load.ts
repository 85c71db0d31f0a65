// A light, steady load for tests that break a server underneath it: a few clients, each doing a
// PUT then a GET of its own key on fresh connections (so a cluster spreads them over its
// workers), one request at a time, counting what succeeded and recording what failed.
import { request, req } from './raw-client.js';

export interface LoadTally {
  ok: number;
  /** Writes answered 503 (lock busy) and retried. */
  retried: number;
  /** One line per failed request: a wrong answer, or a connection error / timeout. */
  failures: string[];
}

export class SteadyLoad {
  ok = 0;
  retried = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly clients: Promise<void>[];

  constructor(
    private readonly port: number,
    clients = 2,
    /** Each request's limit: a connection handed to a worker that has just died never answers. */
    private readonly timeoutMs = 3_000,
  ) {
    this.clients = Array.from({ length: clients }, (_, id) => this.client(id));
  }

  private async client(id: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = `load-${id}-${i}`;
      const value = `value ${i} of client ${id}`;
      await this.attempt(`PUT ${key}`, async () => {
        let r = await request(this.port, req('PUT', `/keys/${key}`, value));
        // 503 + Retry-After is the event-loop servers' answer when another worker holds the
        // write lock past the 10 ms busy timeout (docs/ASYNC.md): a client retries it.
        for (let retry = 0; r.status === 503 && retry < 5; retry++) {
          this.retried++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          r = await request(this.port, req('PUT', `/keys/${key}`, value));
        }
        return r.status === 201 ? null : `status ${r.status}`;
      });
      await this.attempt(`GET ${key}`, async () => {
        const r = await request(this.port, req('GET', `/keys/${key}`));
        // A PUT that failed leaves nothing to read back; a 404 then is not a new failure.
        if (r.status === 404) return null;
        return r.status === 200 && r.body.toString() === value ? null : `status ${r.status}, body ${r.body.toString()}`;
      });
    }
  }

  private async attempt(what: string, run: () => Promise<string | null>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>(
      (resolve) => (timer = setTimeout(() => resolve(`no answer in ${this.timeoutMs} ms`), this.timeoutMs)),
    );
    const problem = await Promise.race([run().catch((err: Error) => `error: ${err.message}`), timeout]);
    clearTimeout(timer);
    if (problem === null) {
      this.ok++;
    } else {
      this.failures.push(`${what}: ${problem}`);
      await new Promise((r) => setTimeout(r, 50)); // do not spin on a server that is not there
    }
  }

  /** Resolves once `count` requests have succeeded in all; rejects after `timeoutMs`. */
  async reach(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ok < count) {
      if (Date.now() > deadline)
        throw new Error(
          `the load reached ${this.ok} successful requests, not ${count}, in ${timeoutMs} ms (failures: ${this.failures.join('; ')})`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops the clients (each finishes its request in flight) and returns the tally. */
  async stop(): Promise<LoadTally> {
    this.running = false;
    await Promise.all(this.clients);
    return { ok: this.ok, retried: this.retried, failures: [...this.failures] };
  }
}
