/**
 * Which fork server holds which session, when each was last used, and why recently ended
 * sessions ended (so the next cell of a lost session says its state was reset instead of
 * failing with a confusing NameError and no explanation).
 */
export interface SessionEntry {
  slot: number;
  lastUsed: number;
  running: boolean;
  closeWhenIdle: boolean;
}

const MAX_TOMBSTONES = 10_000;

export class SessionRegistry {
  private readonly live = new Map<string, SessionEntry>();
  private readonly tombstones = new Map<string, string>();

  get size(): number {
    return this.live.size;
  }

  get(sessionId: string): SessionEntry | undefined {
    return this.live.get(sessionId);
  }

  countOnSlot(slot: number): number {
    let count = 0;
    for (const entry of this.live.values()) if (entry.slot === slot) count++;
    return count;
  }

  open(sessionId: string, slot: number, now: number): SessionEntry {
    const entry: SessionEntry = { slot, lastUsed: now, running: false, closeWhenIdle: false };
    this.live.set(sessionId, entry);
    return entry;
  }

  /** Ends a session and remembers why; returns the slot it lived on. */
  end(sessionId: string, reason: string): number | undefined {
    const entry = this.live.get(sessionId);
    if (!entry) return undefined;
    this.live.delete(sessionId);
    this.tombstones.delete(sessionId);
    this.tombstones.set(sessionId, reason);
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
    return entry.slot;
  }

  /** Ends every session of a slot (its fork server went away). */
  endSlot(slot: number, reason: string): void {
    for (const [sessionId, entry] of [...this.live]) if (entry.slot === slot) this.end(sessionId, reason);
  }

  /** Why an earlier session with this id ended, consumed on read. */
  takeTombstone(sessionId: string): string | undefined {
    const reason = this.tombstones.get(sessionId);
    if (reason !== undefined) this.tombstones.delete(sessionId);
    return reason;
  }

  /** Sessions idle for longer than ttlMs, not running a cell. */
  idle(now: number, ttlMs: number): string[] {
    const out: string[] = [];
    for (const [sessionId, entry] of this.live) if (!entry.running && now - entry.lastUsed > ttlMs) out.push(sessionId);
    return out;
  }

  /** Least recently used idle session on a slot, for eviction. */
  leastRecentlyUsed(slot: number): string | undefined {
    let best: [string, number] | undefined;
    for (const [sessionId, entry] of this.live) {
      if (entry.slot !== slot || entry.running) continue;
      if (!best || entry.lastUsed < best[1]) best = [sessionId, entry.lastUsed];
    }
    return best?.[0];
  }
}
