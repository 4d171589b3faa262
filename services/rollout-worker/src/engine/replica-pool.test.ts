import { describe, expect, it } from 'vitest';
import { ReplicaPool } from './replica-pool.ts';

const options = { maxInFlightPerReplica: 2, failureThreshold: 2, probeIntervalMs: 10, affinityCapacity: 100, affinity: true };
const urls = ['http://a:1', 'http://b:1', 'http://c:1'];

describe('replica pool', () => {
  it('routes a key to one replica and new keys to the least busy one', async () => {
    const pool = new ReplicaPool(urls, options, async () => true);
    const signal = new AbortController().signal;
    const done = pool.beginSample('q1');
    const first = pool.routeOf('q1');
    expect(pool.routeOf('q1')).toBe(first);
    const other = pool.routeOf('q2');
    expect(other).not.toBe(first);
    const lease = await pool.acquire('q1', signal);
    expect(lease.replica).toBe(first);
    lease.release('ok');
    done();
    pool.close();
  });

  it('caps in-flight requests per replica and hands the slot to the next waiter', async () => {
    const pool = new ReplicaPool(['http://a:1'], options, async () => true);
    const signal = new AbortController().signal;
    const l1 = await pool.acquire('k', signal);
    const l2 = await pool.acquire('k', signal);
    let third = false;
    const p3 = pool.acquire('k', signal).then((l) => {
      third = true;
      return l;
    });
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    expect(pool.states()[0]).toMatchObject({ inFlight: 2, queued: 1 });
    l1.release('ok');
    const l3 = await p3;
    expect(pool.states()[0]).toMatchObject({ inFlight: 2, queued: 0 });
    l2.release('ok');
    l3.release('ok');
    pool.close();
  });

  it('moves a key off a replica at its cap while another is nearly idle', async () => {
    const pool = new ReplicaPool(urls.slice(0, 2), options, async () => true);
    const signal = new AbortController().signal;
    const l1 = await pool.acquire('q', signal);
    const l2 = await pool.acquire('q', signal);
    expect(l2.replica).toBe(l1.replica);
    const l3 = await pool.acquire('q', signal);
    expect(l3.replica).not.toBe(l1.replica);
    expect(pool.routeOf('q')).toBe(l3.replica); // the key now lives there
    for (const l of [l1, l2, l3]) l.release('ok');
    pool.close();
  });

  it('takes a failing replica out, reroutes its keys, and probes it back in', async () => {
    let healthy = false;
    const pool = new ReplicaPool(urls.slice(0, 2), options, async () => healthy);
    const signal = new AbortController().signal;
    const home = pool.routeOf('q')!;
    for (let i = 0; i < 2; i++) (await pool.acquire('q', signal)).release('failure');
    expect(pool.states().find((r) => r.url === home)!.health).toBe('down');
    expect(pool.routeOf('q')).not.toBe(home);
    healthy = true;
    while (pool.states().find((r) => r.url === home)!.health !== 'up') await new Promise((r) => setTimeout(r, 5));
    pool.close();
  });

  it('fails fast when nothing is up, and rejects bad endpoints', async () => {
    const pool = new ReplicaPool(['http://a:1'], { ...options, failureThreshold: 1, probeIntervalMs: 60_000 }, async () => false);
    const signal = new AbortController().signal;
    (await pool.acquire('q', signal)).release('failure', 'http_5xx: HTTP 503: overloaded');
    // The error names each replica and its last failure, not just that none is up.
    await expect(pool.acquire('q', signal)).rejects.toThrow(
      'no inference replica is up (1 configured); http://a:1: http_5xx: HTTP 503: overloaded',
    );
    pool.close();
    expect(() => new ReplicaPool([], options, async () => true)).toThrow(/at least one/);
    expect(() => new ReplicaPool(['not a url'], options, async () => true)).toThrow(/not a URL/);
  });
});
