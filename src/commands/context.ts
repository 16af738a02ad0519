import type { OutputFormat, Paint } from '../cli/output.js';

/** What every command handler gets from the CLI shell. */
export interface CommandContext {
  cwd: string;
  /** `--config FILE`, when given. */
  configPath: string | undefined;
  format: OutputFormat;
  colours: Paint;
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface CommandDefinition {
  name: string;
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Options for node:util parseArgs, beyond the global ones. */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  allowPositionals: boolean;
  /** Runs the command and returns its exit code (README, "Exit codes"). */
  run(context: CommandContext, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}
