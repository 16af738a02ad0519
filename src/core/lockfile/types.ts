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
  /**
   * The semantic checksum of the file (README, "Cosmetic edits"), recorded
   * for sets under `cosmetic: allow`: unchanged by an edit that changes only
   * formatting. Not part of the chain digest, which binds the content.
   */
  semantic?: string;
  down?: string;
  down_sha256?: string;
  /** The semantic checksum of the down script, as `semantic`. */
  down_semantic?: string;
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

/**
 * What a sanctioned change did to a sealed set as a whole: `dropped` (guard
 * stops checking its migrations), `moved` to another dir (its migrations,
 * same names and content, are checked there), or `retooled` (read by another
 * tool; its files are checked by name).
 */
export const SET_CHANGES = ['dropped', 'moved', 'retooled'] as const;
export type SetChange = (typeof SET_CHANGES)[number];

/**
 * A sanctioned change of a sealed set, reviewed with the pull request like a
 * file's amendment. It holds only for the sealed state it was recorded
 * against (`chain`, the set's chain digest in the protected ref): a set
 * sealed again later needs an amendment of its own.
 */
export interface SetAmendment {
  /** The sealed set's dir. */
  set: string;
  change: SetChange;
  /** `retooled`: the sealed tool. */
  from?: string;
  /** `moved`: the new dir; `retooled`: the new tool. */
  to?: string;
  /** `sha256:<hex>`, the sealed set's chain digest. */
  chain: string;
  reason: string;
  by: string;
  /** YYYY-MM-DD */
  at: string;
}

export interface Lockfile {
  lockfile: typeof LOCKFILE_VERSION;
  algorithm: string;
  /** Name and version of the semantic checksum the entries' `semantic` fields hold; absent when none does. */
  semantic?: string;
  sets: LockSet[];
  amendments: Amendment[];
  /** Written in the `amendments` list after the files' amendments; absent when there are none. */
  setAmendments?: SetAmendment[];
}
