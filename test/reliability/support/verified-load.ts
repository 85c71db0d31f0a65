// "The normal load": well-behaved keep-alive clients that PUT a fresh key and GET it back,
// checking every status and every byte. Its success rate must stay 100% whatever else is
// happening to the server (hostile clients, thousands of idle connections).
import { KeepAliveClient } from './keep-alive-client.js';
import { getRequest, putRequest, randomValue } from './kv-requests.js';

export interface VerifiedLoadOptions {
  port: number;
  connections: number;
  /** Most requests in total (each PUT and each GET counts one). */
  maxRequests: number;
  timeLimitMs: number;
  keyPrefix: string;
  maxValueBytes?: number;
  /** Stop early when this resolves (e.g. the hostile phase ended). */
  until?: Promise<unknown>;
  /** Opened connections to use instead of connecting (sync: connect before a flood). */
  clients?: KeepAliveClient[];
}

export interface VerifiedLoadResult {
  requests: number;
  succeeded: number;
  /** The first failures, each "what: why". */
  failures: string[];
  failureCount: number;
}

export async function runVerifiedLoad(o: VerifiedLoadOptions): Promise<VerifiedLoadResult> {
  let stop = false;
  void o.until?.then(() => (stop = true));
  const deadline = Date.now() + o.timeLimitMs;
  const result: VerifiedLoadResult = { requests: 0, succeeded: 0, failures: [], failureCount: 0 };
  const fail = (what: string) => {
    result.failureCount++;
    if (result.failures.length < 10) result.failures.push(what);
  };

  const lane = async (c: number) => {
    let client: KeepAliveClient;
    try {
      client = o.clients?.[c] ?? (await KeepAliveClient.connect(o.port, 15_000));
    } catch (err) {
      fail(`connect: ${(err as Error).message}`);
      return;
    }
    try {
      for (let i = 0; !stop && result.requests < o.maxRequests && Date.now() < deadline; i++) {
        const key = `${o.keyPrefix}-${c}-${i}`;
        const value = randomValue(o.maxValueBytes ?? 1024);
        result.requests += 2;
        try {
          const put = await client.request(putRequest(key, value), { timeoutMs: 20_000 });
          if (put.status !== 201) {
            fail(`PUT ${key}: status ${put.status} ${put.body.toString('utf8').slice(0, 100)}`);
            continue;
          }
          result.succeeded++;
          const get = await client.request(getRequest(key), { timeoutMs: 20_000 });
          if (get.status !== 200) fail(`GET ${key}: status ${get.status}`);
          else if (!get.body.equals(value)) fail(`GET ${key}: body differs from what was stored`);
          else result.succeeded++;
        } catch (err) {
          fail(`${key}: ${(err as Error).message}`);
          return; // this connection is unusable; the failure is counted
        }
      }
    } finally {
      client.close();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, (_, c) => lane(c)));
  return result;
}

export const successRate = (r: VerifiedLoadResult): number => (r.requests === 0 ? 0 : r.succeeded / r.requests);
