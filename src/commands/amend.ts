import { userInfo } from 'node:os';
import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { JSON_SCHEMA_VERSION } from '../cli/output.js';
import { openRepository } from '../shell/git/open-repository.js';
import { runGit } from '../shell/git/run-git.js';
import type { CommandDefinition } from './context.js';
import { lockRepository, printLockResult } from './lock.js';

/**
 * `guard amend FILE --reason TEXT`: the sanctioned way to change a sealed
 * migration. Records `{file, from, to, reason, by, at}` in the lockfile's
 * `amendments`, so reviewers see the change in the pull request and the
 * deploy gate accepts databases that applied the old content.
 */
export const amendCommand: CommandDefinition = {
  name: 'amend',
  summary: 'record a sanctioned change of a sealed migration',
  help: `Usage: guard amend FILE... --reason TEXT [--format text|json]

Records in ${LOCKFILE_NAME} that each FILE, sealed (deployed) with one
content, now has another, and why: {file, from, to, reason, by, at}. Edit
the files first, then amend them (all the sealed files you changed, in one
run: the lockfile is refused while any other sealed file differs). Reviewers see the amendment in the pull request; the
deploy gate accepts databases that applied the old content.

Prefer a new migration: amend is for changes that must reach databases that
already ran the old one (a fix to a downgrade, a comment, a data repair).

Options:
  --reason TEXT      why the sealed migration changes (required)
  --format FORMAT    text (default) or json (stdout; schemaVersion ${JSON_SCHEMA_VERSION})
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

Exit codes: 0 recorded; 1 refused; 2 FILE is not sealed, unchanged, or not
a migration; 3 git could not be read.`,
  options: { reason: { type: 'string' } },
  allowPositionals: true,
  async run(context, values, positionals) {
    const reason = (values.reason as string | undefined)?.trim();
    if (positionals.length === 0) throw inputError('guard amend needs the FILE(s) to amend', { fix: 'guard amend db/versions/1a2b_add_users.py --reason "fix the downgrade"' });
    if (!reason) throw inputError('guard amend needs --reason TEXT', { fix: 'say why the sealed migration changes: --reason "fix the downgrade"' });
    const repository = await openRepository(context.cwd);
    const files = positionals.map((positional) => path.relative(repository.root, path.resolve(context.cwd, positional)).split(path.sep).join('/'));
    const result = await lockRepository({
      cwd: context.cwd,
      configPath: context.configPath,
      amend: { files, reason, by: await author(repository.root), at: new Date().toISOString().slice(0, 10) },
    });
    printLockResult(result, context, false);
    if (result.exitCode === 0 && context.format === 'text') {
      for (const file of files) context.out(`recorded the amendment of ${file}; commit ${LOCKFILE_NAME} with the change`);
    }
    return result.exitCode;
  },
};

/** Who amends: git's user.email, else user.name, else the login name. */
async function author(root: string): Promise<string> {
  for (const key of ['user.email', 'user.name']) {
    try {
      const value = (await runGit(root, ['config', '--get', key])).toString('utf8').trim();
      if (value) return value;
    } catch {
      // not set
    }
  }
  return userInfo().username;
}
