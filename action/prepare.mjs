// The GitHub Action's first step (action.yml, "Prepare guard"): checks the
// runner's Node, and builds guard in the action's own folder when the action
// was used at a commit that carries no build (a branch or a commit id rather
// than a release tag, whose commit holds dist/). Written for any Node that
// can load it, so an old one hears what to do instead of a syntax error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionError, EXIT, reportFailure, say } from './workflow-commands.mjs';

/** package.json's engines: guard needs Node 20.12 or later. */
const NODE_AT_LEAST = [20, 12];

const actionPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

process.exitCode = main(process.env);

/** @returns {number} the step's exit code */
function main(env) {
  try {
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major < NODE_AT_LEAST[0] || (major === NODE_AT_LEAST[0] && minor < NODE_AT_LEAST[1])) {
      throw new ActionError(`guard needs Node ${NODE_AT_LEAST.join('.')} or later; the runner's node is ${process.versions.node}`, EXIT.unreadable, 'add actions/setup-node with node-version: 20 (or later) before this action');
    }
    if (existsSync(path.join(actionPath, 'dist/bin/guard.js'))) return EXIT.ok;
    say(`${actionPath} holds no build of guard (dist/bin/guard.js): this is a branch or commit, not a release; building it (npm ci, npm run build)`);
    npm(['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
    npm(['run', 'build']);
    if (!existsSync(path.join(actionPath, 'dist/bin/guard.js'))) throw new ActionError(`npm run build wrote no dist/bin/guard.js in ${actionPath}`, EXIT.unreadable, 'use a release of the action (migration-guard/migration-guard@v1)');
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, env);
  }
}

/** `npm ARGS` in the action's folder, its output in the step's log; exit 3 when it fails. */
function npm(args) {
  process.stdout.write('::group::npm ' + args.join(' ') + '\n');
  const run = spawnSync('npm', args, { cwd: actionPath, stdio: ['ignore', 'inherit', 'inherit'] });
  process.stdout.write('::endgroup::\n');
  if (run.status !== 0) {
    throw new ActionError(`npm ${args.join(' ')} failed in ${actionPath} while building guard${run.error ? `: ${run.error.message}` : ''}`, EXIT.unreadable, 'use a release of the action (migration-guard/migration-guard@v1), whose commit carries the build, or see the npm output above');
  }
}
