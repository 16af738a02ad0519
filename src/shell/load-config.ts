import path from 'node:path';
import { inputError } from '../core/guard-error.js';
import { decodeUtf8Text } from '../core/migrations/decode-text.js';
import { readYaml } from '../core/read-yaml.js';
import { validateConfig, type GuardConfig } from '../core/config/validate-config.js';
import { readCache, stateKey, writeCache } from './cache-file.js';
import { readBlobs, type BlobLimits } from './git/read-blobs.js';
import { formatBytes, readRegularFile, unreadableFileError } from './read-bounded-file.js';

export const CONFIG_FILE = 'guard.config.yaml';

/**
 * The largest config guard reads, `guard.config.yaml` or the package.json
 * that carries it (README, "Limits"): a config lists a few dirs and
 * environments in a few kilobytes; 1 MiB is far beyond any real one, and
 * bounds what a pushed config can cost the CI gate or the server hook.
 */
export const CONFIG_MAX_BYTES = 1024 * 1024;

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
  const text = readOptional(file, shown);
  if (text !== undefined) return { config: await parseYamlConfigCached(text, shown, gitDir), source: shown };
  if (explicit) throw inputError(`config file ${explicit} does not exist`, { fix: 'check the path given to --config' });

  const manifest = readOptional(path.join(root, 'package.json'), 'package.json');
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
  const shown = `${CONFIG_FILE} at ${rev}`;
  // One at a time: the limits apply to the file that is the config, not to a package.json beside it.
  const yamlBytes = (await readBlobs(root, [yamlName], configBlobLimits(rev))).get(yamlName);
  if (yamlBytes !== undefined) return { config: await parseYamlConfig(decodeConfig(yamlBytes, shown), shown), source: shown };
  const manifestBytes = (await readBlobs(root, [manifestName], configBlobLimits(rev))).get(manifestName);
  if (manifestBytes === undefined) return undefined;
  const manifest = decodeConfig(manifestBytes, `package.json at ${rev}`);
  let guard: unknown;
  try {
    guard = (JSON.parse(manifest) as { guard?: unknown } | null)?.guard;
  } catch (error) {
    // A package.json that may carry the config but cannot be read is not
    // "no config": a push must not turn guarding off with a stray comma.
    if (!/"guard"\s*:/.test(manifest)) return undefined;
    throw inputError(`package.json at ${rev} is not valid JSON (${(error as Error).message}), and it holds guard's config`, { fix: 'repair package.json (npm pkg fix can help)' });
  }
  return guard === undefined ? undefined : { config: validateConfig(guard, `package.json#guard at ${rev}`), source: `package.json#guard at ${rev}` };
}

async function parseYamlConfig(text: string, shown: string): Promise<GuardConfig> {
  const { value, lines } = await readYaml(text, shown, 'fix the YAML syntax at that line (indentation, a missing ":" or an unclosed quote)');
  return validateConfig(value ?? {}, shown, (key) => lines.get(key));
}

/**
 * The text of a config file, undefined when there is none.
 *
 * @throws GuardError exit 2 when it is a directory, FIFO, dangling symlink, unreadable, over CONFIG_MAX_BYTES or not UTF-8
 */
function readOptional(file: string, shown: string): string | undefined {
  const read = readRegularFile(file, { maxBytes: CONFIG_MAX_BYTES, followSymlinks: true });
  if (read === undefined) return undefined;
  if (Buffer.isBuffer(read)) return decodeConfig(read, shown);
  const fix =
    read.code === 'EFBIG'
      ? `a config is a few kilobytes: check that ${shown} is the config (README, "Limits")`
      : read.code === 'EACCES' || read.code === 'EPERM'
        ? `check the file permissions of ${shown}`
        : `make ${shown} a regular file holding the config (guard init writes one)`;
  throw unreadableFileError(shown, read, fix);
}

function decodeConfig(bytes: Buffer, shown: string): string {
  const decoded = decodeUtf8Text(shown, bytes);
  if ('problem' in decoded) throw inputError(decoded.problem, { fix: `save ${shown.replace(/ at .*/, '')} as UTF-8 text`, location: { file: shown, line: decoded.line } });
  return decoded.text.replace(/^\uFEFF/, '');
}

function configBlobLimits(rev: string): BlobLimits {
  return {
    maxBytes: CONFIG_MAX_BYTES,
    refuse: (id, found) => {
      const shown = `${id.slice(rev.length + 1)} at ${rev}`;
      return found.type !== 'blob'
        ? inputError(`${shown} is a ${found.type === 'tree' ? 'directory' : `git ${found.type}`}, not a file`, { fix: `commit the config as a regular file` })
        : inputError(`${shown} is ${formatBytes(found.size)}, over guard's limit of ${formatBytes(CONFIG_MAX_BYTES)} for it`, {
            fix: 'a config is a few kilobytes: check what was committed as the config (README, "Limits")',
          });
    },
  };
}
