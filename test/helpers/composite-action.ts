// Runs a composite action (action.yml) the way GitHub's runner does, so a test
// exercises the action's metadata and not only its scripts: each step's
// `run:` with its `shell:`, `env:` and `working-directory:`, with `${{ ... }}`
// replaced by value BEFORE the shell reads the script, as the runner does
// (https://docs.github.com/actions/reference/workflows-and-actions/metadata-syntax#runs-for-composite-actions,
// https://docs.github.com/actions/concepts/security/script-injections), and
// the variables GitHub sets for a job step
// (https://docs.github.com/actions/reference/workflows-and-actions/variables#default-environment-variables).
// Anything this runner does not know (an undeclared input, a context it does
// not provide, a `uses:` or `if:` step, a shell it cannot start) fails the
// test instead of quietly becoming an empty string.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

export interface ActionRun {
  /** The action's exit code: the first failing step's, else 0. */
  code: number;
  stdout: string;
  stderr: string;
  /** What the steps appended to $GITHUB_STEP_SUMMARY. */
  summary: string;
  /** The steps that ran, in order, with their exit codes. */
  steps: { name: string; code: number }[];
}

export interface ActionCall {
  /** The folder holding action.yml ($GITHUB_ACTION_PATH). */
  actionPath: string;
  /** $GITHUB_WORKSPACE, where actions/checkout put the repository. */
  workspace: string;
  /** The workflow's `with:`. */
  with?: Record<string, string>;
  /** GITHUB_EVENT_NAME. */
  eventName: string;
  /** The webhook payload, written to $GITHUB_EVENT_PATH. */
  event?: Record<string, unknown>;
  /** More of GitHub's variables: GITHUB_BASE_REF, GITHUB_HEAD_REF, GITHUB_REF, GITHUB_SHA. */
  variables?: Record<string, string>;
}

interface Step {
  name?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
  [key: string]: unknown;
}

interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; default?: string; required?: boolean }>;
  runs?: { using?: string; steps?: Step[] };
}

/** The command GitHub runs a `run:` script file with, for the shells this runner knows (workflow syntax, `jobs.<job_id>.steps[*].shell`). */
const SHELLS: Record<string, (file: string) => string[]> = {
  bash: (file) => ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file],
  sh: (file) => ['sh', '-e', file],
};

const STEP_KEYS = new Set(['name', 'id', 'shell', 'run', 'env', 'working-directory']);

/** Reads `actionPath/action.yml` and refuses what GitHub would refuse or this runner cannot run faithfully. */
export function readCompositeAction(actionPath: string): Required<Pick<ActionMetadata, 'inputs'>> & { steps: Step[] } {
  const metadata = parse(readFileSync(path.join(actionPath, 'action.yml'), 'utf8')) as ActionMetadata;
  if (!metadata.name) throw new Error('action.yml: `name` is required');
  if (metadata.runs?.using !== 'composite') throw new Error(`action.yml: runs.using is ${JSON.stringify(metadata.runs?.using)}, not composite`);
  const steps = metadata.runs.steps ?? [];
  if (steps.length === 0) throw new Error('action.yml: runs.steps is empty');
  for (const [index, step] of steps.entries()) {
    const where = `action.yml: step ${index + 1} (${step.name ?? 'unnamed'})`;
    const unknown = Object.keys(step).filter((key) => !STEP_KEYS.has(key));
    if (unknown.length > 0) throw new Error(`${where}: this runner does not run ${unknown.join(', ')}`);
    if (typeof step.run !== 'string') throw new Error(`${where}: no run:`);
    if (!step.shell) throw new Error(`${where}: a run: step of a composite action needs shell:`);
    if (!SHELLS[step.shell]) throw new Error(`${where}: shell ${step.shell} is not one this runner starts`);
  }
  for (const [id, input] of Object.entries(metadata.inputs ?? {})) {
    if (!input.description) throw new Error(`action.yml: input ${id} needs a description`);
  }
  return { inputs: metadata.inputs ?? {}, steps };
}

/** Runs the action's steps in order, stopping at the first that fails, as the runner does. */
export function runCompositeAction(call: ActionCall): ActionRun {
  const { inputs, steps } = readCompositeAction(call.actionPath);
  for (const key of Object.keys(call.with ?? {})) if (!(key in inputs)) throw new Error(`with: ${key} is not an input of action.yml`);
  const inputValues = Object.fromEntries(Object.entries(inputs).map(([id, input]) => [id, call.with?.[id] ?? input.default ?? '']));
  const temp = mkdtempSync(path.join(tmpdir(), 'guard-runner-'));
  try {
    const file = (name: string, content = '') => {
      const full = path.join(temp, name);
      writeFileSync(full, content);
      return full;
    };
    const variables: Record<string, string> = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION_PATH: call.actionPath,
      GITHUB_WORKSPACE: call.workspace,
      GITHUB_EVENT_NAME: call.eventName,
      GITHUB_EVENT_PATH: file('event.json', JSON.stringify(call.event ?? {})),
      GITHUB_STEP_SUMMARY: file('step_summary'),
      GITHUB_OUTPUT: file('output'),
      GITHUB_ENV: file('env'),
      GITHUB_PATH: file('path'),
      GITHUB_STATE: file('state'),
      GITHUB_REPOSITORY: 'octo-org/app',
      RUNNER_TEMP: temp,
      GITHUB_BASE_REF: '',
      GITHUB_HEAD_REF: '',
      ...call.variables,
    };
    const contexts: Record<string, string> = {
      'github.action_path': call.actionPath,
      'github.workspace': call.workspace,
      'github.event_name': call.eventName,
      'github.base_ref': variables.GITHUB_BASE_REF!,
      'github.head_ref': variables.GITHUB_HEAD_REF!,
      'runner.temp': temp,
      ...Object.fromEntries(Object.entries(inputValues).map(([id, value]) => [`inputs.${id}`, value])),
    };
    const evaluate = (text: string) =>
      text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
        if (!(expression in contexts)) throw new Error(`action.yml: \${{ ${expression} }} is not a context this runner provides (an undeclared input?)`);
        return contexts[expression]!;
      });
    // A job step's environment is the runner's, not the test process's: nothing else leaks in.
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? temp, LANG: 'C.UTF-8', NO_COLOR: '1' };
    const run: ActionRun = { code: 0, stdout: '', stderr: '', summary: '', steps: [] };
    // Every expression is resolved before the first step runs: one the runner cannot resolve fails the test even in a step that never runs.
    const prepared = steps.map((step, index) => ({
      name: step.name ?? `step ${index + 1}`,
      shell: step.shell!,
      script: evaluate(step.run!),
      env: Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, evaluate(String(value))])),
      cwd: step['working-directory'] ? path.resolve(call.workspace, evaluate(step['working-directory'])) : call.workspace,
    }));
    for (const [index, step] of prepared.entries()) {
      const script = file(`step-${index + 1}.sh`, step.script);
      const [command, ...args] = SHELLS[step.shell]!(script);
      const result = spawnSync(command!, args, { cwd: step.cwd, encoding: 'utf8', env: { ...base, ...variables, ...step.env }, maxBuffer: 1 << 28 });
      run.stdout += result.stdout;
      run.stderr += result.stderr;
      const code = result.status ?? 128;
      run.steps.push({ name: step.name, code });
      if (code !== 0) {
        run.code = code;
        break;
      }
    }
    run.summary = readFileSync(variables.GITHUB_STEP_SUMMARY!, 'utf8');
    return run;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
