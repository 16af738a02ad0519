/**
 * migration-guard's programmatic API: the same work as the commands, returning
 * typed results instead of printing them. Each function's doc comment has an
 * example; errors that end a command are `GuardError`s carrying the exit code
 * of the README's table, a message and a fix.
 *
 * @example
 * import { lockRepository, verifyRepository, deployEnvironment } from 'migration-guard';
 * await lockRepository({ cwd: '/repo' });
 * const verified = await verifyRepository({ cwd: '/repo', source: { kind: 'revision', rev: 'HEAD' } });
 * if (!verified.ok) console.log(verified.findings);
 */
export { lockRepository, type LockOptions, type LockResult } from './services/lock-repository.js';
export { verifyRepository, type VerifyResult, type CommitFindings } from './services/verify-repository.js';
export { initRepository, type InitOptions, type InitResult, type InitAction } from './commands/init.js';
export { diagnoseRepository, type DoctorResult, type DoctorCheck } from './commands/doctor.js';
export { preCommit, prePush, preReceive, type PreCommitResult, type PrePushResult, type PreReceiveResult } from './commands/hook.js';
export { deployEnvironment, type DeployOptions, type DeployResult, type DeployPlan, type DeployStep, type SchemaComparison } from './commands/deploy.js';
export { recordEnvironment, type RecordResult } from './commands/record.js';
export { environmentStatus, type StatusResult, type EnvironmentStatus } from './commands/status.js';
export { schemaDrift, type DriftResult } from './commands/drift.js';
export { mergeLockfileSides, type LockfileMerge, type LockfileSides } from './core/lockfile-merge/merge-lockfile-sides.js';
export { ExitCode } from './core/exit-codes.js';
export { GuardError } from './core/guard-error.js';
export { contentChecksum, normaliseContent, CONTENT_ALGORITHM } from './core/checksum.js';
export { chainDigest, chainDigests } from './core/lockfile/chain-digest.js';
export { parseLockfile, serializeLockfile } from './core/lockfile/format/index.js';
export type { Lockfile, LockSet, LockEntry, Amendment } from './core/lockfile/types.js';
export { ADAPTERS, detectTool } from './core/tools/registry.js';
export type { DiscoveredSet, Migration, Problem, SourceFile, Tool, ToolAdapter } from './core/migrations/types.js';
export type { Finding } from './core/findings/findings.js';
export type { GuardConfig } from './core/config/validate-config.js';
