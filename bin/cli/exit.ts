/** The CLI's exit codes, documented in the README and printed by --help. */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, as --help prints them. */
export const EXIT_HELP = 'Exit codes: 0 applied or in sync, 1 failure (database unchanged), 2 usage error, 3 refused.';
