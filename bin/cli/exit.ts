/** The CLI's exit codes, documented in docs/cli.md and printed by --help. */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, pending: 4 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, in order; --help and docs/cli.md print these. */
export const EXIT_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, 'applied or in sync'],
  [EXIT.failed, 'failure (database unchanged, or it could not be opened)'],
  [EXIT.usage, 'usage error'],
  [EXIT.refused, 'refused (the database is ahead of the application)'],
  [EXIT.pending, 'changes pending (plan --check)'],
];

export const EXIT_HELP = `Exit codes: ${EXIT_MEANINGS.map(([code, meaning]) => `${code} ${meaning}`).join(', ')}.`;
