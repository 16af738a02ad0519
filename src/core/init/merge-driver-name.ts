/** The name of guard's lockfile merge driver in `.gitattributes` (`merge=guard-lockfile`) and git config (`merge.guard-lockfile.driver`). */
export const MERGE_DRIVER_NAME = 'guard-lockfile';
