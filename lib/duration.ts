/** Durations as every result and log reports them: milliseconds to two decimals. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Milliseconds since `started` (a `performance.now()` reading), rounded as `roundMs` does. */
export function elapsedSince(started: number): number {
  return roundMs(performance.now() - started);
}
