import { LOCKFILE_NAME } from '../core/lockfile/types.js';
import { GITHUB_ANNOTATION_CAP, JSON_SCHEMA_VERSION } from '../core/output-format.js';
import { verifyRepository, type VerifyResult } from '../services/verify-repository.js';
import type { CommandDefinition } from './context.js';

export const verifyCommand: CommandDefinition<VerifyResult> = {
  name: 'verify',
  summary: 'check the migrations against checksums.lock.yaml',
  help: `Usage: guard verify [--rev REV] [--base REF] [--format text|json]

Checks the migrations against ${LOCKFILE_NAME}: every migration locked, no
locked migration edited, deleted or renamed, heads as recorded, and each tool's
rules (naming scheme, duplicate ids, dangling or multiple Alembic heads).

By default it checks what you are about to commit: files unchanged since they
were staged are read from git, new and edited files from the work tree.

Options:
  --rev REV          check a commit as git holds it (HEAD, origin/main, a sha)
  --base REF         also refuse edits, deletions and renames of migrations
                     (and their down scripts) sealed in REF's lockfile, a
                     config that drops, moves or retools a sealed set
                     without a set amendment, new migrations that sort
                     before the sealed ones, .gitattributes that rewrite a
                     migration at checkout, and secrets (keys, tokens,
                     passwords) in migrations added or changed since REF
                     (the CI gate: guard verify --base origin/main), in the
                     final state and in every commit since REF, each judged
                     against what REF had sealed where it forked; and list
                     every amendment the branch records, and every sealed
                     file edited in formatting only (cosmetic: allow)
  --format FORMAT    text (default), json (stdout; schemaVersion ${JSON_SCHEMA_VERSION}),
                     github (text plus up to ${GITHUB_ANNOTATION_CAP} annotations on the pull
                     request, and the full list in $GITHUB_STEP_SUMMARY; the default
                     when GITHUB_ACTIONS=true), or gitlab (a code quality report:
                     guard verify --format gitlab > gl-code-quality-report.json)
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml

With --base in CI (the CI variable set), guard neither reads nor writes its
cache in $GIT_DIR/guard/: a workspace that survives between jobs may hold
one an earlier job wrote.

--base needs REF itself (git fetch origin main:refs/remotes/origin/main)
and the branch's commits since REF: a shallow clone that stops earlier is
exit 3 with what to fetch (actions/checkout: fetch-depth: 0). REF is read
as refs/remotes/REF (a name with a slash) or refs/heads/REF, never as a tag
or branch someone pushed under that name (exit 3 when only such a ref
exists).

Exit codes: 0 all match; 1 a rule is broken; 2 bad config, lockfile or
migration file; 3 git could not be read (REF missing: fetch it).`,
  options: { rev: { type: 'string' }, base: { type: 'string' } },
  allowPositionals: false,
  async run(context, values) {
    const rev = values.rev as string | undefined;
    return verifyRepository({
      cwd: context.cwd,
      configPath: context.configPath,
      source: rev ? { kind: 'revision', rev } : { kind: 'worktree' },
      base: values.base as string | undefined,
      range: true,
      // The CI gate in CI trusts nothing it did not compute (README, "Performance").
      ...(values.base !== undefined && runsInCi(context.env) ? { cache: false } : {}),
    });
  },
};

/**
 * Whether guard runs in CI: `CI` is set, as GitHub Actions, GitLab CI,
 * CircleCI, Travis CI and Buildkite set it (to `true`, `1` or the service's
 * name), and not to `false` or `0` (README, "Performance": where a CI
 * service does not set it, set it).
 */
export function runsInCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}
