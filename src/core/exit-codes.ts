/**
 * Exit codes of every `guard` command (README, "Exit codes").
 *
 * Scripts and CI pipelines branch on these, so they never change meaning.
 */
export const ExitCode = {
  /** Everything checked and nothing was refused. */
  ok: 0,
  /** A rule was broken; the message says which and how to fix it. */
  refused: 1,
  /** Usage, config or input error (bad flag, malformed file, hostile path). */
  input: 2,
  /** An environment or git could not be read. Fail closed: never "passed". */
  unreadable: 3,
  /** A lock was not obtained in time. */
  lockTimeout: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
