import type { CommandContext, CommandDefinition } from '../../commands/context.js';

/** A command and its rendering joined: what the CLI's registry loads and runs. */
export type RenderedCommand = CommandDefinition<number>;

/**
 * `definition` whose result is rendered by `render`, which prints it in
 * `context.format` and returns the exit code (README, "Exit codes").
 */
export function rendered<Result>(definition: CommandDefinition<Result>, render: (result: Result, context: CommandContext) => number | Promise<number>): RenderedCommand {
  return { ...definition, run: async (context, values, positionals) => render(await definition.run(context, values, positionals), context) };
}

/** A command's result as its JSON document, on stdout. */
export function printJson(result: unknown, context: CommandContext): void {
  context.out(JSON.stringify(result, null, 2));
}
