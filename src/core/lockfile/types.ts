import type { Tool } from '../migrations/types.js';

/** The lockfile format version this guard reads and writes. */
export const LOCKFILE_VERSION = 1;

export const LOCKFILE_NAME = 'checksums.lock.yaml';

/** One line of a set: one migration. */
export interface LockEntry {
  id: string;
  /** Relative to the set's dir. */
  file: string;
  /** Present for tools with parents (Alembic), absent for version-ordered tools. */
  parents?: string[];
  sha256: string;
  down?: string;
  down_sha256?: string;
  branch_labels?: string[];
  depends_on?: string[];
  repeatable?: boolean;
}

export interface LockSet {
  dir: string;
  tool: Tool;
  heads: string[];
  /** `sha256:<hex>` binding every entry in order. */
  chain: string;
  migrations: LockEntry[];
}

/** A sanctioned change of a sealed migration, reviewed with the pull request. */
export interface Amendment {
  /** Repository-relative path. */
  file: string;
  from: string;
  to: string;
  reason: string;
  by: string;
  /** YYYY-MM-DD */
  at: string;
}

export interface Lockfile {
  lockfile: typeof LOCKFILE_VERSION;
  algorithm: string;
  sets: LockSet[];
  amendments: Amendment[];
}
