/**
 * A bounded pool of open database clients, one per key (user database), least recently used
 * first out. The service talks to many user databases but only a few at a time; keeping every
 * client open would leak file handles (local) or sockets (Turso), reopening per request costs a
 * connection each time.
 *
 * A client is only closed when no caller holds it (leases are counted), so eviction never pulls
 * a client out from under a running query; the pool may briefly exceed `max` when every client
 * is busy and shrinks back as leases are released.
 */

export interface PoolOptions<T> {
  /** Most idle clients kept open. */
  readonly max: number;
  /** Close clients unused for this long (ms); 0 keeps them until evicted. */
  readonly idleMs: number;
  readonly close: (resource: T, key: string) => void | Promise<void>;
  /** Injected clock for tests. */
  readonly now?: () => number;
  /** Called when closing a client fails; closing must not throw into a request. */
  readonly onCloseError?: (error: unknown, key: string) => void;
}

export interface Lease<T> {
  readonly resource: T;
  release(): void;
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('the client pool is closed');
  }
}

interface Entry<T> {
  readonly resource: T;
  leases: number;
  lastUsed: number;
}

export class ClientPool<T> {
  // Map iteration order is insertion order: re-inserting on use keeps the LRU entry first.
  readonly #entries = new Map<string, Entry<T>>();
  readonly #options: PoolOptions<T>;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | null;
  readonly #closing: Promise<void>[] = [];
  #closed = false;

  constructor(options: PoolOptions<T>) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('pool max must be a positive integer');
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timer =
      options.idleMs > 0 ? setInterval(() => this.sweep(), Math.max(250, Math.floor(options.idleMs / 2))) : null;
    // The sweep must never keep the process alive on its own.
    this.#timer?.unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The key's client, opened with `open` when the pool holds none. */
  acquire(key: string, open: () => T): Lease<T> {
    if (this.#closed) throw new PoolClosedError();
    let entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
    } else {
      entry = { resource: open(), leases: 0, lastUsed: 0 };
    }
    entry.leases++;
    entry.lastUsed = this.#now();
    this.#entries.set(key, entry);
    this.#trim();
    const held = entry;
    let released = false;
    return {
      resource: held.resource,
      release: () => {
        if (released) return;
        released = true;
        held.leases--;
        held.lastUsed = this.#now();
        if (this.#closed && held.leases === 0) this.#dispose(key, held);
        else this.#trim();
      },
    };
  }

  /** Runs `fn` with the key's client, releasing it however `fn` ends. */
  async use<R>(key: string, open: () => T, fn: (resource: T) => Promise<R>): Promise<R> {
    const lease = this.acquire(key, open);
    try {
      return await fn(lease.resource);
    } finally {
      lease.release();
    }
  }

  /** Closes clients idle for longer than `idleMs`; returns how many it closed. */
  sweep(): number {
    if (this.#options.idleMs <= 0) return 0;
    const cutoff = this.#now() - this.#options.idleMs;
    let closed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.leases === 0 && entry.lastUsed <= cutoff) {
        this.#remove(key, entry);
        closed++;
      }
    }
    return closed;
  }

  /** Closes every client; clients still leased close when released. Later acquires throw. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#timer) clearInterval(this.#timer);
      for (const [key, entry] of this.#entries) {
        if (entry.leases === 0) this.#remove(key, entry);
      }
    }
    await Promise.all(this.#closing);
  }

  #trim(): void {
    if (this.#entries.size <= this.#options.max) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#options.max) break;
      if (entry.leases === 0) this.#remove(key, entry);
    }
  }

  #remove(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    this.#dispose(key, entry);
  }

  #dispose(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    const done = Promise.resolve()
      .then(() => this.#options.close(entry.resource, key))
      .catch((error: unknown) => this.#options.onCloseError?.(error, key));
    this.#closing.push(done);
    void done.finally(() => {
      const at = this.#closing.indexOf(done);
      if (at >= 0) void this.#closing.splice(at, 1);
    });
  }
}
