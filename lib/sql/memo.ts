/**
 * Memoises a pure function of one text. Planning compares the same CREATE TABLE, column, CHECK
 * and index texts many times over (a 500-table schema: tens of thousands of calls), so each text is
 * tokenized and parsed once. Bounded, so a long-running service planning many schemas does not
 * grow without end; cached values are shared, so they must be treated as immutable.
 */
export function memoByText<T>(fn: (text: string) => T, limit = 50_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text: string): T => {
    if (cache.has(text)) return cache.get(text) as T;
    if (cache.size >= limit) cache.clear();
    const value = fn(text);
    cache.set(text, value);
    return value;
  };
}

/**
 * Memoises a pure function of one (immutable) model object by identity: a planner pass asks for
 * the same column's, index's or table's derived key many times. Entries go with their objects.
 */
export function memoByObject<K extends object, T>(fn: (key: K) => T): (key: K) => T {
  const cache = new WeakMap<K, { readonly value: T }>();
  return (key: K): T => {
    let known = cache.get(key);
    if (known === undefined) {
      known = { value: fn(key) };
      cache.set(key, known);
    }
    return known.value;
  };
}
