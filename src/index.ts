/**
 * migration-guard's programmatic API: the same work as the commands
 * (`guard lock`, `verify`, `init`, `doctor`, the hooks), returning results
 * instead of printing them.
 */
export { lockRepository, type LockResult } from './commands/lock.js';
export { verifyRepository, type VerifyResult, type CommitFindings } from './commands/verify.js';
export { initRepository, type InitResult, type InitAction } from './commands/init.js';
export { diagnoseRepository, type DoctorResult, type DoctorCheck } from './commands/doctor.js';
export { preCommit, prePush, preReceive, type PreCommitResult, type PrePushResult, type PreReceiveResult } from './commands/hook.js';
export { mergeLockfileSides, type LockfileMerge, type LockfileSides } from './core/lockfile/merge-lockfile-sides.js';
export { ExitCode } from './core/exit-codes.js';
export { GuardError } from './core/guard-error.js';
export { contentChecksum, normaliseContent, CONTENT_ALGORITHM } from './core/checksum.js';
export { chainDigest, chainDigests } from './core/lockfile/chain-digest.js';
export { parseLockfile } from './core/lockfile/parse-lockfile.js';
export { serializeLockfile } from './core/lockfile/serialize-lockfile.js';
export type { Lockfile, LockSet, LockEntry, Amendment } from './core/lockfile/types.js';
export { ADAPTERS, detectTool } from './core/migrations/adapters.js';
export type { DiscoveredSet, Migration, Problem, SourceFile, Tool, ToolAdapter } from './core/migrations/types.js';
export type { Finding } from './core/findings.js';
export type { GuardConfig } from './core/config/validate-config.js';
