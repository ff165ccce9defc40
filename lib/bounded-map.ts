/**
 * A cache that forgets: a Map in insertion order that drops its oldest entry once it holds more
 * than `max` (max 0 keeps nothing). Setting a key again makes it the newest. BoundedSet is the same
 * for keys alone, where adding a key already held leaves its place unchanged.
 */
export class BoundedMap<K, V> {
  readonly #items = new Map<K, V>();

  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    return this.#items.get(key);
  }

  has(key: K): boolean {
    return this.#items.has(key);
  }

  set(key: K, value: V): void {
    this.#items.delete(key);
    this.#items.set(key, value);
    if (this.#items.size > this.max) this.#forgetOldest();
  }

  delete(key: K): void {
    this.#items.delete(key);
  }

  get size(): number {
    return this.#items.size;
  }

  #forgetOldest(): void {
    const oldest = this.#items.keys().next();
    if (oldest.done !== true) this.#items.delete(oldest.value);
  }
}

export class BoundedSet<K> {
  readonly #items: BoundedMap<K, true>;

  constructor(readonly max: number) {
    this.#items = new BoundedMap<K, true>(max);
  }

  has(key: K): boolean {
    return this.#items.has(key);
  }

  add(key: K): void {
    if (!this.#items.has(key)) this.#items.set(key, true);
  }

  delete(key: K): void {
    this.#items.delete(key);
  }

  get size(): number {
    return this.#items.size;
  }
}
