/**
 * SIGTERM 5 or 20 ms after the last request of a burst was written, six rounds on loaded cores:
 * every request answered, none reset (_drain-rounds.ts says how).
 */
import t from 'tap';
import { drainRounds } from './_drain-rounds.js';

t.test('SIGTERM 5-20 ms after a burst of sign-ins, 6 rounds on loaded cores: every request answered', async (t) => {
  await drainRounds(t, 6, [5, 20]);
});
