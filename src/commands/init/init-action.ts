/** One thing `guard init` looked at and what it did there (`InitResult.actions`). */
export interface InitAction {
  /** What was looked at: a file, or a git setting. */
  target: string;
  status: 'created' | 'updated' | 'kept';
  detail: string;
}
