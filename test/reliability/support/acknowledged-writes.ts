// The durability load: N keep-alive connections each PUT distinct keys with random binary values
// and record every write the server acknowledged with a 2xx. A write without an answer (the
// server was killed, the connection dropped) is "unknown": it may or may not be stored, so it is
// never retried under the same key and never counted as acknowledged.
import { KeepAliveClient } from './keep-alive-client.js';
import { putRequest, randomValue, writerKey, getRequest } from './kv-requests.js';
import { mapLimit } from './concurrency.js';

export interface WriterOptions {
  port: number;
  connections: number;
  /** Most writes attempted in total (the bound on the loop's count). */
  maxWrites: number;
  /** Wall-clock bound on the loop. */
  timeLimitMs: number;
  /** Largest value in bytes. */
  maxValueBytes: number;
  keyPrefix: string;
  /** Called after each acknowledgement with the running count (e.g. to kill the server). */
  onAck?: (acked: number) => void;
  /** Stop early when this resolves. */
  until?: Promise<unknown>;
}

export interface WriterResult {
  /** key -> the exact bytes the server acknowledged storing. */
  acked: Map<string, Buffer>;
  attempted: number;
  /** Writes that got an answer other than 2xx, by status (must stay empty before a fault). */
  unexpectedStatuses: Map<number, number>;
  /** Writes that got no answer at all (connection reset/closed). */
  unanswered: number;
  /** Connections that could not be (re)opened. */
  connectFailures: number;
}

export async function runAcknowledgedWriters(o: WriterOptions): Promise<WriterResult> {
  const acked = new Map<string, Buffer>();
  const unexpectedStatuses = new Map<number, number>();
  let attempted = 0;
  let unanswered = 0;
  let connectFailures = 0;
  const deadline = Date.now() + o.timeLimitMs;
  let stopped = false;
  void o.until?.then(() => (stopped = true));

  const writer = async (w: number) => {
    let client: KeepAliveClient;
    try {
      client = await KeepAliveClient.connect(o.port, 10_000);
    } catch {
      connectFailures++;
      return;
    }
    try {
      for (let i = 0; !stopped && attempted < o.maxWrites && Date.now() < deadline; i++) {
        attempted++;
        const key = writerKey(o.keyPrefix, w, i);
        const value = randomValue(o.maxValueBytes);
        let status: number;
        try {
          status = (await client.request(putRequest(key, value), { timeoutMs: 15_000 })).status;
        } catch {
          unanswered++;
          return; // the server is gone or going: this writer stops (no retry under the same key)
        }
        if (status === 201 || status === 200) {
          acked.set(key, value);
          o.onAck?.(acked.size);
        } else {
          unexpectedStatuses.set(status, (unexpectedStatuses.get(status) ?? 0) + 1);
        }
      }
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, (_, w) => writer(w)));
  return { acked, attempted, unexpectedStatuses, unanswered, connectFailures };
}

export interface VerifyResult {
  verified: number;
  missing: string[];
  mismatched: string[];
  /** Reads that failed outright (no answer, or a status other than 200/404). */
  errors: string[];
}

/** GETs every acknowledged key (over `connections` keep-alive connections) and compares bytes. */
export async function verifyAcknowledged(port: number, acked: Map<string, Buffer>, connections = 16): Promise<VerifyResult> {
  const entries = [...acked];
  const result: VerifyResult = { verified: 0, missing: [], mismatched: [], errors: [] };
  let next = 0;
  await mapLimit(connections, connections, async () => {
    const client = await KeepAliveClient.connect(port);
    try {
      // `next` is shared by every connection: each takes the next entry until none is left.
      for (let entry = entries[next++]; entry !== undefined; entry = entries[next++]) {
        const [key, value] = entry;
        try {
          const r = await client.request(getRequest(key), { timeoutMs: 15_000 });
          if (r.status === 404) result.missing.push(key);
          else if (r.status !== 200) result.errors.push(`${key}: status ${r.status}`);
          else if (!r.body.equals(value)) result.mismatched.push(key);
          else result.verified++;
        } catch (err) {
          result.errors.push(`${key}: ${(err as Error).message}`);
          return;
        }
      }
    } finally {
      client.close();
    }
  });
  return result;
}
