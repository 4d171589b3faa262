import { randomBytes } from 'node:crypto';

/**
 * Sessions the service issued: who owns each, which fork server holds its interpreter (if any
 * yet), and why an interpreter was lost (so the next cell says its state was reset instead of
 * failing with a confusing NameError). Ids are random, issued here and bound to their creator.
 */
export interface SessionEntry {
  owner: string;
  /** Fork server holding the interpreter; undefined before the first cell or once it was lost. */
  slot: number | undefined;
  lastUsed: number;
  running: boolean;
  closeWhenIdle: boolean;
  /** Why the interpreter went away; reported once, by the next cell. */
  lostReason: string | undefined;
}

/** 144 bits from the OS CSPRNG, base64url: unguessable, safe in a URL path. */
function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

export class SessionRegistry {
  private readonly issued = new Map<string, SessionEntry>();

  /** Sessions issued and not closed. */
  get size(): number {
    return this.issued.size;
  }

  /** Sessions whose interpreter is alive on some fork server. */
  get live(): number {
    let count = 0;
    for (const entry of this.issued.values()) if (entry.slot !== undefined) count++;
    return count;
  }

  issue(owner: string, now: number): string {
    const sessionId = newSessionId();
    this.issued.set(sessionId, { owner, slot: undefined, lastUsed: now, running: false, closeWhenIdle: false, lostReason: undefined });
    return sessionId;
  }

  get(sessionId: string): SessionEntry | undefined {
    return this.issued.get(sessionId);
  }

  /** The session, only when `caller` created it: any other caller learns nothing, not even that it exists. */
  owned(sessionId: string, caller: string): SessionEntry | undefined {
    const entry = this.issued.get(sessionId);
    return entry?.owner === caller ? entry : undefined;
  }

  countOnSlot(slot: number): number {
    let count = 0;
    for (const entry of this.issued.values()) if (entry.slot === slot) count++;
    return count;
  }

  /** The interpreter went away (crash, timeout, eviction); the session id stays valid. */
  lose(sessionId: string, reason: string): void {
    const entry = this.issued.get(sessionId);
    if (!entry || entry.slot === undefined) return;
    entry.slot = undefined;
    entry.lostReason = reason;
  }

  /** Every interpreter of a slot is gone (its fork server died or was recycled). */
  loseSlot(slot: number, reason: string): void {
    for (const [sessionId, entry] of this.issued) if (entry.slot === slot) this.lose(sessionId, reason);
  }

  /** Forgets a session: its id is unknown from now on. */
  remove(sessionId: string): void {
    this.issued.delete(sessionId);
  }

  /** Sessions idle for longer than ttlMs, not running a cell. */
  idle(now: number, ttlMs: number): string[] {
    const out: string[] = [];
    for (const [sessionId, entry] of this.issued) if (!entry.running && now - entry.lastUsed > ttlMs) out.push(sessionId);
    return out;
  }

  /** Least recently used idle session with an interpreter on a slot, for eviction. */
  leastRecentlyUsed(slot: number): string | undefined {
    let best: [string, number] | undefined;
    for (const [sessionId, entry] of this.issued) {
      if (entry.slot !== slot || entry.running) continue;
      if (!best || entry.lastUsed < best[1]) best = [sessionId, entry.lastUsed];
    }
    return best?.[0];
  }
}
