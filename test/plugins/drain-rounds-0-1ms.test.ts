/**
 * SIGTERM 0 or 1 ms after the last request of a burst was written, six rounds on loaded cores: every
 * request answered, none reset (_drain-rounds.ts says how). Before the listener waited for an empty
 * accept queue, most of the fresh connections of each round were reset.
 */
import t from 'tap';
import { drainRounds } from './_drain-rounds.js';

t.test('SIGTERM 0-1 ms after a burst of sign-ins, 6 rounds on loaded cores: every request answered', async (t) => {
  await drainRounds(t, 6, [0, 1]);
});
