// What the two push hooks (pre-push on a clone, pre-receive on the server)
// share: git's all-zero object id and the lazy load of the per-commit rules.

/** git's all-zero object id: the ref is created (old) or deleted (new) (https://git-scm.com/docs/githooks#_pre_push). */
export const ZERO = /^0+$/;

/**
 * The per-commit rules (`verifyCommits`), loaded only by a push: the bundle
 * makes the service a file of its own (scripts/bundle-cli.mjs), so the
 * pre-commit hook, in the same command file, never parses it.
 */
export const loadVerify = () => import('../../services/verify-repository.js');
