import type { SchemaDifference } from '../../core/drift/diff-schemas.js';
import type { JSON_SCHEMA_VERSION } from '../../core/output-format.js';

// What `guard deploy` takes and returns (`deployEnvironment` in deploy.ts,
// exported by the package); `--format json` prints the result as it is.

export interface DeployStep {
  step: number;
  name: string;
  ok: boolean;
  detail: string;
}

export interface DeployResult {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: 'deploy';
  environment: string;
  ok: boolean;
  exitCode: number;
  /** Whether the migration command ran (not with --check, not after a refusal). */
  ran: boolean;
  forced: boolean;
  /** Set when step 2 could not read the predecessor and --unchecked-predecessor let the deploy go on: what was not checked. */
  uncheckedPredecessor?: string;
  steps: DeployStep[];
  /** Warnings that did not stop the deploy (a ledger that disagrees with the tool's table, drift under `warn`). */
  warnings: string[];
  refusal?: { message: string; fix: string };
  /** Step 5: ENV's live schema against its last deploy (absent under `drift: ignore` or when nothing was compared). */
  drift?: SchemaComparison;
  /**
   * What the deploy runs or ran, per set: the migrations step 4 found
   * pending, and how (guard's runner for plain SQL, or the command). With
   * --dry-run, what would run.
   */
  plan?: DeployPlan;
  /** Guard's runner: the migration that failed, where, and PostgreSQL's message. */
  failure?: { file: string; line: number; message: string; transactional: boolean };
  /** After step 7: ENV's new schema against the predecessor's at the same chain. */
  parity?: SchemaComparison;
  /** The fingerprint of ENV's schema after the deploy, as recorded in the ledger. */
  schemaFingerprint?: string;
}

export interface DeployPlan {
  /** `runner`: guard applies the plain SQL itself; `command`: the migration command. */
  by: 'runner' | 'command';
  /** The command line as printed and recorded (secrets as ***), or guard's runner. */
  command: string;
  sets: { dir: string; pending: { id: string; file: string; transactional?: boolean }[] }[];
}

export interface SchemaComparison {
  against: string;
  differences: SchemaDifference[];
}

export interface DeployOptions {
  cwd: string;
  configPath?: string | undefined;
  environment: string;
  /** The migration command; default: the config's deploy.command (run by sh). */
  command?: string[] | undefined;
  /** The gate only: steps 1 to 5, nothing run or recorded. */
  check?: boolean;
  /** Steps 1 to 5, then what would run (`plan`): nothing run or recorded. */
  dryRun?: boolean;
  force?: { reason: string } | undefined;
  /**
   * The break-glass of step 2: a predecessor that cannot be read (exit 3)
   * does not stop the deploy; what was not checked is printed, recorded in
   * the ledger with the reason, and shown by `guard status`.
   */
  uncheckedPredecessor?: { reason: string } | undefined;
  /** How long to wait for the deploy lock (step 3). */
  lockWaitMs: number;
  env: NodeJS.ProcessEnv;
  /** Where the command's output goes: the terminal, or stderr when stdout carries JSON. */
  commandStdout: 'inherit' | 'stderr';
  /** Progress lines, as each step finishes. */
  progress?(step: DeployStep): void;
}
