import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { lockRepository, type LockResult } from '../services/lock-repository.js';
import type { CommandDefinition } from './context.js';

/** What `guard lock` did, and whether it only checked (`--check`: nothing written). */
export interface LockCommandResult {
  result: LockResult;
  check: boolean;
}

export const lockCommand: CommandDefinition<LockCommandResult> = {
  name: 'lock',
  summary: `create or update ${LOCKFILE_NAME}`,
  help: `Usage: guard lock [--check] [--drop-set DIR]... [--format text|json]

Writes ${LOCKFILE_NAME}: one line per migration (id, file, parents, content
checksum, and under cosmetic: allow the semantic checksum), the heads and
chain digest of each set, and the amendments. New
migrations are added and edited ones refreshed; the file is rewritten
atomically and a second run changes no byte. A lockfile left with git
conflict markers is resolved by merging both sides and re-reading the
migrations.

Options:
  --check            write nothing; exit 1 when the lockfile is out of date
  --drop-set DIR     forget the locked set DIR that the config no longer lists
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 written or up to date; 1 refused (duplicate ids) or, with
--check, out of date; 2 bad config, lockfile or migration file; 3 git could
not be read.`,
  options: { check: { type: 'boolean' }, 'drop-set': { type: 'string', multiple: true } },
  allowPositionals: false,
  async run(context, values) {
    const check = values.check === true;
    const result = await lockRepository({
      cwd: context.cwd,
      configPath: context.configPath,
      dropSets: (values['drop-set'] as string[] | undefined) ?? [],
      check,
    });
    return { result, check };
  },
};
