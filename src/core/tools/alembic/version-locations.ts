import type { AlembicConfig, VersionLocation } from './alembic-config.js';

/** A configured set as far as this check needs it: where guard reads, and how deep. */
export interface ReadSet {
  dir: string;
  /** Undefined: detected from the files, so possibly Alembic. */
  tool?: string;
  recursive: boolean;
}

export interface UnreadLocation {
  config: AlembicConfig;
  location: VersionLocation & { dir: string };
  /** Sub-folders Alembic reads too (`recursive_version_locations`). */
  recursive: boolean;
  /** The location itself is a set, but a flat one: only its sub-folders are unread. */
  subFoldersOnly: boolean;
}

/**
 * The version locations Alembic's config names that no set reads, or reads
 * less deeply than Alembic does: a revision there would run in every
 * environment without guard ever locking or sealing it. Locations outside
 * the repository (an absolute path) are returned apart: guard cannot read
 * them at all. Pure.
 */
export function unreadLocations(configs: readonly AlembicConfig[], sets: readonly ReadSet[]): { unread: UnreadLocation[]; outside: Array<{ config: AlembicConfig; location: VersionLocation }> } {
  const alembicSets = sets.filter((set) => set.tool === undefined || set.tool === 'alembic');
  const unread: UnreadLocation[] = [];
  const outside: Array<{ config: AlembicConfig; location: VersionLocation }> = [];
  for (const config of configs) {
    for (const location of config.locations) {
      const dir = location.dir;
      if (dir === undefined) {
        outside.push({ config, location });
        continue;
      }
      // A recursive set at or above the location reads everything Alembic does.
      if (alembicSets.some((set) => set.recursive && (set.dir === dir || isInside(dir, set.dir)))) continue;
      const flat = alembicSets.some((set) => set.dir === dir);
      if (flat && !config.recursive) continue;
      unread.push({ config, location: { ...location, dir }, recursive: config.recursive, subFoldersOnly: flat });
    }
  }
  return { unread, outside };
}

/** Whether the repository folder `dir` lies strictly inside `top` (`.` is the repository). */
export function isInside(dir: string, top: string): boolean {
  return top === '.' ? dir !== '.' : dir.startsWith(`${top}/`);
}
