// The SQLSTATEs guard reads as answers rather than failures
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).

/** `column does not exist`: a ledger older than the columns this guard reads. */
export function isUndefinedColumn(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42703';
}

/** `relation does not exist` or `schema does not exist`. */
export function isUndefinedTable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000';
}
