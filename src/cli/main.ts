import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../core/exit-codes.js';
import { GuardError } from '../core/guard-error.js';
import type { CommandContext } from '../commands/context.js';
import type { RenderedCommand } from './render/rendered.js';
import { COMMAND_FORMATS, debugEnabled, errorJson, formatError, formatInternalError, lineWriter, OUTPUT_FORMATS, paint, useColour, type OutputFormat } from './output.js';

/**
 * Commands load on demand so a hook pays only for the code it runs
 * (README, "Performance": the pre-commit hook's budget is twice `node -e ""`).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<RenderedCommand> }> = {
  lock: { summary: 'create or update checksums.lock.yaml', load: async () => (await import('./render/lock.js')).lockCommand },
  verify: { summary: 'check the migrations against checksums.lock.yaml', load: async () => (await import('./render/verify.js')).verifyCommand },
  amend: { summary: 'record a sanctioned change of a sealed migration', load: async () => (await import('./render/amend.js')).amendCommand },
  hook: { summary: 'run the rules for a git hook (pre-commit, pre-push, pre-receive)', load: async () => (await import('./render/hook.js')).hookCommand },
  init: { summary: 'set up guard in a repository: config, lockfile, hooks, merge driver', load: async () => (await import('./render/init.js')).initCommand },
  doctor: { summary: 'check that guard really protects this checkout', load: async () => (await import('./render/doctor.js')).doctorCommand },
  'merge-driver': { summary: "git's merge driver for checksums.lock.yaml (set up by guard init)", load: async () => (await import('./render/merge-driver.js')).mergeDriverCommand },
  deploy: { summary: 'the pre-deploy gate: check, lock, run the migration command, record', load: async () => (await import('./render/deploy.js')).deployCommand },
  record: { summary: 'record a deploy another tool ran, after checking the database is at the head', load: async () => (await import('./render/record.js')).recordCommand },
  status: { summary: 'one table for the chain: applied head, chain match, last deploy, lock, drift', load: async () => (await import('./render/status.js')).statusCommand },
  drift: { summary: "compare an environment's live schema with its last deploy, or with another environment", load: async () => (await import('./render/drift.js')).driftCommand },
  demo: { summary: 'the whole story on a throw-away repository and embedded PostgreSQL', load: async () => (await import('./render/demo.js')).demoCommand },
  renumber: { summary: 'rename an out-of-order new migration after the newest one', load: async () => (await import('./render/renumber.js')).renumberCommand },
};

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  format: { type: 'string' },
  config: { type: 'string' },
  cwd: { type: 'string', short: 'C' },
  'no-color': { type: 'boolean' },
} as const;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `Usage: guard <command> [options]

migration-guard: every migration locked by its checksum in one reviewed
lockfile (checksums.lock.yaml), so an edited, deleted or renamed migration
is caught before it ships; and a deploy gate, so each environment gets only
what the one before it applied, one deploy at a time.

Commands:
${lines.join('\n')}

Options for every command:
  -h, --help         show help for a command (guard verify --help)
  --format FORMAT    text (default) or json (verify also: github, gitlab;
                     status also: html)
  -C DIR             run as if started in DIR
  --config FILE      use FILE instead of guard.config.yaml
  --no-color         no colour (also: NO_COLOR=1)
  --version          print the version

Exit codes: 0 ok; 1 refused (a rule was broken); 2 usage, config or input
error; 3 an environment or git could not be read (guard fails closed);
4 a lock was not obtained in time (deploy).`;
}

/** Every line guard prints goes through these (lineWriter: quiet once a reader has gone). */
export const standardOut = lineWriter(process.stdout);
export const standardError = lineWriter(process.stderr);

export async function main(argv: readonly string[]): Promise<number> {
  const colours = paint(useColour(process.stderr, argv.includes('--no-color')));
  const out = standardOut;
  const err = standardError;

  const nameAt = commandIndex(argv);
  const name = nameAt === -1 ? undefined : argv[nameAt]!;
  if (!name) {
    if (argv.includes('--version')) {
      out(readVersion());
      return ExitCode.ok;
    }
    (argv.includes('--help') || argv.includes('-h') ? out : err)(usage());
    return argv.includes('--help') || argv.includes('-h') ? ExitCode.ok : ExitCode.input;
  }
  if (name === 'help') {
    const topic = argv[nameAt + 1];
    if (topic && COMMANDS[topic]) out((await COMMANDS[topic]!.load()).help);
    else out(usage());
    return ExitCode.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    err(`${colours.red('error')} unknown command "${name}"\n  ${colours.dim('fix:')} run one of: ${Object.keys(COMMANDS).join(', ')} (guard --help lists them)`);
    return ExitCode.input;
  }
  const command = await entry.load();

  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: argv.filter((_, i) => i !== nameAt),
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: command.allowPositionals,
      strict: true,
    });
    values = parsed.values as Record<string, unknown>;
    positionals = parsed.positionals;
  } catch (error) {
    err(`${colours.red('error')} ${(error as Error).message}\n  ${colours.dim('fix:')} see \`guard ${name} --help\``);
    return ExitCode.input;
  }
  if (values.help) {
    out(command.help);
    return ExitCode.ok;
  }
  // Under GitHub Actions the CI gate annotates the pull request unless told otherwise.
  const format = (values.format as string | undefined) ?? (name === 'verify' && process.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text');
  const accepted = OUTPUT_FORMATS.filter((candidate) => candidate === 'text' || candidate === 'json' || COMMAND_FORMATS[name]?.includes(candidate));
  if (!(accepted as readonly string[]).includes(format)) {
    err(`${colours.red('error')} --format ${format} is not supported by guard ${name}\n  ${colours.dim('fix:')} use --format ${accepted.join(' or --format ')}`);
    return ExitCode.input;
  }
  const context: CommandContext = {
    cwd: path.resolve((values.cwd as string | undefined) ?? process.cwd()),
    configPath: values.config as string | undefined,
    format: format as OutputFormat,
    colours: paint(useColour(process.stdout, values['no-color'] === true)),
    out,
    err,
    env: process.env,
  };
  try {
    return await command.run(context, values, positionals);
  } catch (error) {
    if (error instanceof GuardError) {
      if (context.format === 'json') out(errorJson(name, error));
      else err(formatError(error, colours));
      return error.exitCode;
    }
    err(formatInternalError(error, colours, debugEnabled(process.env)));
    return ExitCode.input;
  }
}

/** Index of the first argument that is neither an option nor an option's value (`-C DIR`). */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-C' || arg === '--cwd' || arg === '--config' || arg === '--format') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return i;
  }
  return -1;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
