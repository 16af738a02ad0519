import { inputError } from '../guard-error.js';
import { runsGuard } from './hook-script.js';
import { guardCommand, LEFTHOOK_COMMAND, MANAGED_HOOKS, yamlLines, type ManagedHook, type YamlValue } from './hook-managers.js';
import type { ConfigEdit } from './pre-commit-config.js';
import { appendToBlock, appendToDocument, checkedEdit, openYaml } from './yaml-insert.js';

// guard's commands in lefthook's YAML config (https://lefthook.dev/configuration/).

type Command = { [key: string]: YamlValue };

/**
 * guard's command for `hook`. lefthook hands git's arguments on as {1} {2}
 * (remote, URL) and git's list of pushed refs on stdin only with
 * `use_stdin: true` (https://lefthook.dev/configuration/use_stdin.html).
 */
export function lefthookCommand(hook: ManagedHook): Command {
  return hook === 'pre-push' ? { run: guardCommand('pre-push', '{1} {2}'), use_stdin: true } : { run: guardCommand(hook) };
}

/** What to add by hand: guard's three hooks in the language of lefthook's `file` (YAML, TOML or JSON). */
export function lefthookSnippet(file = 'lefthook.yml'): string {
  if (/\.toml$/.test(file)) {
    return MANAGED_HOOKS.map((hook) =>
      [`[${hook}.commands.${LEFTHOOK_COMMAND}]`, ...Object.entries(lefthookCommand(hook)).map(([key, value]) => `${key} = ${JSON.stringify(value)}`)].join('\n'),
    ).join('\n\n');
  }
  if (/\.jsonc?$/.test(file)) return JSON.stringify(Object.fromEntries(MANAGED_HOOKS.map((hook) => [hook, { commands: { [LEFTHOOK_COMMAND]: lefthookCommand(hook) } }])), null, 2);
  return MANAGED_HOOKS.flatMap((hook) => yamlLines({ [hook]: { commands: { [LEFTHOOK_COMMAND]: lefthookCommand(hook) } } })).join('\n');
}

/** Whether lefthook runs guard for `hook` already: a command or job (in a group too) whose `run` calls guard. */
export function lefthookRunsGuard(config: unknown, hook: ManagedHook): boolean {
  return runsGuardIn((config as Record<string, unknown> | null)?.[hook], hook);
}

function runsGuardIn(hookValue: unknown, hook: ManagedHook): boolean {
  const command = hook === 'pre-push' ? 'pre-push' : 'pre-commit';
  const runs = (entry: unknown): boolean => {
    if (typeof entry !== 'object' || entry === null) return false;
    const { run, group } = entry as { run?: unknown; group?: { jobs?: unknown } };
    if (typeof run === 'string' && runsGuard(run, command)) return true;
    return Array.isArray(group?.jobs) && group.jobs.some(runs);
  };
  if (typeof hookValue !== 'object' || hookValue === null) return false;
  const { commands, jobs } = hookValue as { commands?: unknown; jobs?: unknown };
  return (typeof commands === 'object' && commands !== null && Object.values(commands).some(runs)) || (Array.isArray(jobs) && jobs.some(runs));
}

/**
 * A lefthook YAML config with guard's pre-commit, pre-merge-commit and
 * pre-push: a hook that is not there is added at the end of the file; in
 * one that is, guard's command joins its `commands:` (or its `jobs:`, when
 * it lists jobs). A hook that runs guard already is left as it is. Every
 * other byte stays.
 *
 * @param name the file's name (lefthook.yml, .lefthook.yml, ...)
 * @throws GuardError exit 2 when the file is not YAML guard reads, or a hook is not a block mapping guard can add to
 */
export async function withGuardInLefthook(text: string, name: string): Promise<ConfigEdit> {
  const fix = `add guard's commands to ${name} by hand:\n${lefthookSnippet()}`;
  let yaml = await openYaml(text, name, fix);
  if (!yaml.empty && (typeof yaml.value !== 'object' || yaml.value === null || Array.isArray(yaml.value))) throw inputError(`${name} does not hold a mapping of hooks`, { fix });
  const added: string[] = [];
  for (const hook of MANAGED_HOOKS) {
    const value = (yaml.value ?? {}) as Record<string, unknown>;
    if (runsGuardIn(value[hook], hook)) continue;
    const command = lefthookCommand(hook);
    const expected = structuredClone(value) as Record<string, Record<string, unknown>>;
    let edited: string;
    if (!(hook in value)) {
      const entry = { commands: { [LEFTHOOK_COMMAND]: command } };
      edited = appendToDocument(yaml, yamlLines({ [hook]: entry }));
      expected[hook] = entry;
    } else {
      const current = value[hook] as Record<string, unknown> | null;
      const hookBlock = yaml.blockAt([hook]);
      if (!hookBlock || hookBlock.kind !== 'map' || current === null) throw inputError(`${name}: \`${hook}:\` is not a mapping guard can add a command to`, { fix });
      if (Array.isArray(current.jobs)) {
        const job = { name: LEFTHOOK_COMMAND, ...command };
        const jobs = yaml.blockAt([hook, 'jobs']);
        if (!jobs || jobs.kind !== 'seq') throw inputError(`${name}: \`${hook}: jobs:\` is not a block list guard can add to`, { fix });
        edited = appendToBlock(yaml, jobs, [yamlLines(job)]);
        (expected[hook]!.jobs as unknown[]).push(job);
      } else if (current.commands !== undefined) {
        const commands = yaml.blockAt([hook, 'commands']);
        if (!commands || commands.kind !== 'map' || LEFTHOOK_COMMAND in (current.commands as object)) {
          throw inputError(`${name}: guard cannot add a command named ${LEFTHOOK_COMMAND} to \`${hook}: commands:\``, { fix });
        }
        edited = appendToBlock(yaml, commands, [yamlLines({ [LEFTHOOK_COMMAND]: command })]);
        (expected[hook]!.commands as Record<string, unknown>)[LEFTHOOK_COMMAND] = command;
      } else {
        edited = appendToBlock(yaml, hookBlock, [yamlLines({ commands: { [LEFTHOOK_COMMAND]: command } })]);
        expected[hook]!.commands = { [LEFTHOOK_COMMAND]: command };
      }
    }
    await checkedEdit(yaml, edited, expected, fix);
    yaml = await openYaml(edited, name, fix);
    added.push(hook);
  }
  return {
    text: yaml.text,
    changed: added.length > 0,
    detail: added.length > 0 ? `${LEFTHOOK_COMMAND} added to ${added.join(', ')} (pre-push with use_stdin)` : `${MANAGED_HOOKS.join(', ')} run guard`,
  };
}
