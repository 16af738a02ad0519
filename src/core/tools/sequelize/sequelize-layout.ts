import { readConfigPath, valuesOfKey } from '../../migrations/config-text.js';
import { folderOf, resolveInRepository } from '../../paths.js';
import { countFileNamed, type FileNamedRules } from '../../migrations/file-named-set.js';
import { VENDORED, type DetectedSet, type LayoutDiscovery, type RepositoryFiles } from '../../migrations/layout.js';

const SEQUELIZERC = /(?:^|\/)\.sequelizerc$/;
/** `sequelize(-cli) db:migrate ... --migrations-path <folder>` in a package.json script. */
const SCRIPT_PATH = /\bsequelize(?:-cli)?\b[^"]*?--migrations-path(?:=|\s+)(?:\\?["'])?([^\s"'\\]+)/g;

/**
 * `guard init`'s Sequelize sets: the folder `.sequelizerc` names
 * (`'migrations-path'`, read as text, relative to its folder, where the CLI
 * runs), a package.json script's `--migrations-path`, else the CLI's
 * default `migrations` beside `.sequelizerc`; a folder that holds Sequelize
 * migrations. A path written as code guard does not run falls back to the
 * default, with a note.
 */
export function detectSequelizeSets({ paths, byDir, contentOf, leftOut }: RepositoryFiles, rules: FileNamedRules): LayoutDiscovery {
  const sets = new Map<string, DetectedSet>();
  const add = (dir: string | undefined, because: string, notes: string[]) => {
    if (dir === undefined || sets.has(dir) || leftOut(dir)) return;
    const files = countFileNamed(rules, byDir, dir);
    if (files > 0) sets.set(dir, { dir, tool: 'sequelize', files, because: `${files} Sequelize migration${files === 1 ? '' : 's'}, ${because}`, ...(notes.length > 0 ? { notes } : {}) });
  };
  for (const path of paths) {
    if (VENDORED.test(path)) continue;
    const base = folderOf(path);
    if (SEQUELIZERC.test(path)) {
      const notes: string[] = [];
      let named = false;
      for (const expression of valuesOfKey(contentOf(path) ?? '', 'migrations-path').flat()) {
        const read = readConfigPath(expression);
        if (read === undefined) {
          notes.push(`${path} sets 'migrations-path' to \`${expression}\`, which guard cannot read without running it: if sequelize-cli runs another folder than the ones guard init found, name it in guard.config.yaml (\`- dir: <folder>\` with \`tool: sequelize\`)`);
          continue;
        }
        named = true;
        add(resolveInRepository(base, read.path), `'migrations-path' in ${path}`, notes);
      }
      if (!named) add(resolveInRepository(base, 'migrations'), `sequelize-cli's default folder beside ${path}`, notes);
    } else if (path.endsWith('package.json') && (contentOf(path) ?? '').includes('--migrations-path')) {
      for (const match of (contentOf(path) ?? '').matchAll(SCRIPT_PATH)) add(resolveInRepository(base, match[1]!), `--migrations-path in ${path}`, []);
    }
  }
  return { sets: [...sets.values()], claims: (dir) => sets.has(dir) };
}
