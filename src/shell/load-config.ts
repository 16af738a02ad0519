import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { readYaml } from '../core/read-yaml.js';
import { validateConfig, type GuardConfig } from '../core/config/validate-config.js';
import { readCache, stateKey, writeCache } from './cache-file.js';
import { readBlobs } from './git/read-blobs.js';

export const CONFIG_FILE = 'guard.config.yaml';

export interface LoadedConfig {
  config: GuardConfig;
  /** Where it came from, for messages: `guard.config.yaml` or `package.json#guard`. */
  source: string;
}

/**
 * Finds and validates the config at the repository root: `guard.config.yaml`
 * (or `--config FILE`), else the `"guard"` key of package.json.
 *
 * @throws GuardError exit 2 when there is none or it is invalid
 */
export async function loadConfig(root: string, explicit?: string, gitDir?: string): Promise<LoadedConfig> {
  const file = explicit ? path.resolve(explicit) : path.join(root, CONFIG_FILE);
  const shown = explicit ? path.relative(root, file) || file : CONFIG_FILE;
  const text = readOptional(file);
  if (text !== undefined) return { config: await parseYamlConfigCached(text, shown, gitDir), source: shown };
  if (explicit) throw inputError(`config file ${explicit} does not exist`, { fix: 'check the path given to --config' });

  const manifest = readOptional(path.join(root, 'package.json'));
  if (manifest !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(manifest);
    } catch (error) {
      throw inputError(`package.json is not valid JSON: ${(error as Error).message}`, { fix: 'repair package.json (npm pkg fix can help)' });
    }
    const guard = (parsed as { guard?: unknown } | null)?.guard;
    if (guard !== undefined) return { config: validateConfig(guard, 'package.json#guard'), source: 'package.json#guard' };
  }
  throw inputError(`no ${CONFIG_FILE} at the repository root (${root}), and no "guard" key in package.json`, {
    fix: `create ${CONFIG_FILE} listing your migration dirs:\nmigrations:\n  - dir: db/migrations`,
  });
}

interface ConfigCache {
  key: string;
  config: GuardConfig;
}

/**
 * The validated config of this exact text, from `$GIT_DIR/guard/` when it was
 * read before: loading a YAML parser costs a hook more than all its other work.
 */
async function parseYamlConfigCached(text: string, shown: string, gitDir: string | undefined): Promise<GuardConfig> {
  const key = stateKey(shown, text);
  const cached = gitDir ? readCache<ConfigCache>(gitDir, 'config.json') : undefined;
  if (cached?.key === key) return cached.config;
  const config = await parseYamlConfig(text, shown);
  if (gitDir) writeCache(gitDir, 'config.json', { key, config } satisfies ConfigCache);
  return config;
}

/**
 * The config as committed at `rev`, for a server hook that has no work tree:
 * `guard.config.yaml`, else the `"guard"` key of package.json. Undefined when
 * the commit has neither.
 */
export async function loadConfigAt(root: string, rev: string): Promise<LoadedConfig | undefined> {
  const yamlName = `${rev}:${CONFIG_FILE}`;
  const manifestName = `${rev}:package.json`;
  const blobs = await readBlobs(root, [yamlName, manifestName]);
  const yamlText = blobs.get(yamlName)?.toString('utf8');
  const shown = `${CONFIG_FILE} at ${rev}`;
  if (yamlText !== undefined) return { config: await parseYamlConfig(yamlText, shown), source: shown };
  const manifest = blobs.get(manifestName)?.toString('utf8');
  if (manifest === undefined) return undefined;
  let guard: unknown;
  try {
    guard = (JSON.parse(manifest) as { guard?: unknown } | null)?.guard;
  } catch {
    return undefined;
  }
  return guard === undefined ? undefined : { config: validateConfig(guard, `package.json#guard at ${rev}`), source: `package.json#guard at ${rev}` };
}

async function parseYamlConfig(text: string, shown: string): Promise<GuardConfig> {
  const { value, lines } = await readYaml(text, shown, 'fix the YAML syntax at that line (indentation, a missing ":" or an unclosed quote)');
  return validateConfig(value ?? {}, shown, (key) => lines.get(key));
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw inputError(`cannot read ${file}: ${(error as Error).message}`, { fix: 'check the file permissions' });
  }
}
