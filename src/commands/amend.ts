import { userInfo } from 'node:os';
import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit } from '../shell/git/run-git.js';
import type { CommandDefinition } from './context.js';
import { lockRepository, type LockResult } from '../services/lock-repository.js';

/**
 * `guard amend FILE --reason TEXT`: the sanctioned way to change a sealed
 * migration. Records `{file, from, to, reason, by, at}` in the lockfile's
 * `amendments`, so reviewers see the change in the pull request and the
 * deploy gate accepts databases that applied the old content.
 */
/** What `guard amend` recorded: the lock's result, and the files it amended (repository-relative). */
export interface AmendCommandResult {
  result: LockResult;
  files: string[];
}

export const amendCommand: CommandDefinition<AmendCommandResult> = {
  name: 'amend',
  summary: 'record a sanctioned change of a sealed migration or a sealed set',
  help: `Usage: guard amend FILE... --reason TEXT [--format text|json]
       guard amend --set DIR --reason TEXT

Records in ${LOCKFILE_NAME} that each FILE, sealed (deployed) with one
content, now has another, and why: {file, from, to, reason, by, at}. Edit
the files first, then amend them (all the sealed files you changed, in one
run: the lockfile is refused while any other sealed file differs). Reviewers
see the amendment in the pull request, and guard verify --base lists it; the
deploy gate accepts databases that applied the old content.

Prefer a new migration: amend is for changes that must reach databases that
already ran the old one (a fix to a downgrade, a comment, a data repair).

--set DIR records a change of a whole sealed set, made in the config first:
  - DIR listed with another tool: retooled (its files are then checked by
    name under the new tool);
  - DIR no longer listed, and one new set holds every sealed file of DIR
    under the same name: moved (its migrations stay sealed there);
  - DIR no longer listed: dropped (guard stops checking its migrations).
The record {set, change, to, chain, reason, by, at} holds for the sealed
state it was made against: without it, hooks and the CI gate refuse a config
that drops, moves or retools a sealed set.

Options:
  --reason TEXT      why the sealed migration or set changes (required)
  --set DIR          amend the sealed set DIR (repeatable)
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 recorded; 1 refused; 2 FILE or DIR is not sealed, unchanged,
or not a migration; 3 git could not be read (the protected ref is missing:
fetch it).`,
  options: { reason: { type: 'string' }, set: { type: 'string', multiple: true } },
  allowPositionals: true,
  async run(context, values, positionals) {
    const reason = (values.reason as string | undefined)?.trim();
    const setDirs = (values.set as string[] | undefined) ?? [];
    if (positionals.length === 0 && setDirs.length === 0) {
      throw inputError('guard amend needs the FILE(s) or the --set DIR to amend', { fix: 'guard amend db/versions/1a2b_add_users.py --reason "fix the downgrade"' });
    }
    if (!reason) throw inputError('guard amend needs --reason TEXT', { fix: 'say why the sealed migration changes: --reason "fix the downgrade"' });
    const repository = await openRepository(context.cwd);
    const relative = (given: string) => path.relative(repository.root, path.resolve(context.cwd, given)).split(path.sep).join('/') || '.';
    const files = positionals.map(relative);
    const sets = setDirs.map(relative);
    const result = await lockRepository({
      cwd: context.cwd,
      configPath: context.configPath,
      amend: { files, sets, reason, by: await author(repository.root), at: new Date().toISOString().slice(0, 10) },
    });
    return { result, files };
  },
};

/**
 * Who amends: the e-mail of git's author identity, as the commit that
 * carries the amendment will name its author (`git var GIT_AUTHOR_IDENT`
 * honours GIT_AUTHOR_EMAIL and user.email alike,
 * https://git-scm.com/docs/git-var), else its name, else the login name.
 */
async function author(root: string): Promise<string> {
  try {
    const ident = (await runGit(root, ['var', 'GIT_AUTHOR_IDENT'])).toString('utf8').trim();
    const parsed = /^(.*?) <([^>]*)> \d+ [+-]\d{4}$/.exec(ident);
    if (parsed?.[2]) return parsed[2];
    if (parsed?.[1]) return parsed[1];
  } catch {
    // no identity configured
  }
  return userInfo().username;
}
