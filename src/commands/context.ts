import type { OutputFormat, Paint } from '../core/output-format.js';

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

/**
 * A command as the CLI sees it. `run` does the work and returns the
 * command's typed result; the CLI renders that result in the format asked
 * for (`src/cli/render/`) and exits with the exit code the rendering returns.
 */
export interface CommandDefinition<Result = number> {
  name: string;
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Options for node:util parseArgs, beyond the global ones. */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  allowPositionals: boolean;
  /** Runs the command and returns its result, for the CLI to render. */
  run(context: CommandContext, values: Record<string, unknown>, positionals: string[]): Promise<Result>;
}
