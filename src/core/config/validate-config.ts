import { inputError } from '../guard-error.js';
import { suggestName } from '../suggest-name.js';
import { NAMING_SCHEMES, TOOLS, VERSION_READINGS, type NamingScheme, type Tool, type VersionReading } from '../migrations/types.js';
import type { ToolSetKey } from '../migrations/migration-tool.js';
import { escapesDir, normaliseDir } from '../paths.js';
import { TOOL_BY_NAME } from '../tools/registry.js';
import type { DriftSettings } from '../drift/diff-schemas.js';
import { DRIFT_POLICIES, type DriftPolicy } from '../drift/judge-drift.js';

export { DRIFT_POLICIES, type DriftPolicy };

/**
 * `guard.config.yaml`, or the `"guard"` key of package.json. The JSON Schema
 * in `schemas/config.schema.json` describes the same shape for editors; this
 * validator is what guard trusts, because its messages name the key, the line
 * and the fix.
 */
export interface GuardConfig {
  migrations: MigrationSetConfig[];
  /** Ref whose lockfile marks migrations as sealed; default: the remote's default branch. */
  protected?: string;
  seal: 'merged' | 'committed';
  autoLock: boolean;
  cosmetic: 'allow' | 'refuse';
  environments: EnvironmentConfig[];
  deploy: { command?: string };
  /** What schema drift is about (`drift:` at the top; each environment's `drift:` is its policy). */
  drift: DriftSettings;
}

export interface MigrationSetConfig {
  /** Repository-relative, normalised (`db/versions`). */
  dir: string;
  tool?: Tool;
  naming?: NamingScheme;
  /** Plain SQL: whether a timestamp version must be a real date (`dates`, default) or is only a number. */
  versions?: VersionReading;
  recursive?: boolean;
  /**
   * Globs (relative to `dir`; `*` within a name, `**` across folders) of
   * files the tool does not run that guard leaves out: helpers and seeds
   * beside the migrations.
   */
  exclude?: string[];
  /** `allow`: new migrations may sort before deployed ones (Flyway's `outOfOrder=true`). */
  outOfOrder?: 'allow' | 'refuse';
  /**
   * `allow`: an edit of a sealed migration that changes only its formatting
   * passes (README, "Cosmetic edits"). The top-level `cosmetic:` for sets
   * that do not say; Alembic and plain SQL sets only.
   */
  cosmetic?: 'allow' | 'refuse';
  /**
   * Where the project keeps the tool's table when its own config renamed or
   * moved it (`table: audit.schema_history`): deploy and status read it
   * there instead of the tool's default.
   */
  table?: TableLocation;
}

/** A table as `table:` names it: `name`, or `schema.name` (case kept, as PostgreSQL keeps a quoted name). */
export interface TableLocation {
  schema?: string;
  name: string;
}


export interface EnvironmentConfig {
  name: string;
  /** `$VARIABLE` naming the connection string. */
  database?: string;
  ledger?: string;
  settings: EnvironmentSettings;
  drift: DriftPolicy;
}

export interface EnvironmentSettings {
  lock_timeout?: string;
  statement_timeout?: string;
  idle_in_transaction_session_timeout?: string;
  transaction_per_migration?: boolean;
}

/** Finds the line of a key path (`migrations.0.dir`) in the config source. */
export type LineOf = (path: string) => number | undefined;

const TOP_KEYS = ['migrations', 'protected', 'seal', 'autoLock', 'cosmetic', 'environments', 'deploy', 'drift'] as const;
const DRIFT_KEYS = ['privileges', 'exclude'] as const;
const SET_KEYS = ['dir', 'tool', 'naming', 'versions', 'recursive', 'exclude', 'outOfOrder', 'cosmetic', 'table'] as const;
const ENVIRONMENT_KEYS = ['name', 'database', 'ledger', 'settings', 'drift'] as const;
const SETTING_KEYS = ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout', 'transaction_per_migration'] as const;
const DEPLOY_KEYS = ['command'] as const;

/**
 * @param source shown in messages: `guard.config.yaml` or `package.json#guard`
 * @throws GuardError (exit 2) naming the key, its line and the fix
 */
export function validateConfig(raw: unknown, source: string, lineOf: LineOf = () => undefined): GuardConfig {
  const fail = (path: string, message: string, fix: string): never => {
    const line = nearestLine(lineOf, path);
    const where = line === undefined ? source : `${source}:${line}`;
    throw inputError(`${where}: ${path ? `\`${path}\` ` : ''}${message}`, {
      fix,
      location: { file: source.replace(/#.*$/, ''), ...(line === undefined ? {} : { line }) },
    });
  };

  if (!isRecord(raw)) fail('', 'must be a mapping with a `migrations` list', 'start from:\nmigrations:\n  - dir: db/migrations');
  const root = raw as Record<string, unknown>;
  checkKeys(root, TOP_KEYS, '', fail);

  if (!Array.isArray(root.migrations) || root.migrations.length === 0) {
    fail('migrations', 'must be a non-empty list of migration dirs', 'add one entry per migration dir:\nmigrations:\n  - dir: db/migrations');
  }
  const seenDirs = new Map<string, number>();
  const migrations = (root.migrations as unknown[]).map((entry, i): MigrationSetConfig => {
    const at = `migrations.${i}`;
    if (typeof entry === 'string') entry = { dir: entry };
    if (!isRecord(entry)) fail(at, 'must be a mapping like {dir: db/migrations, tool: sql}', 'write each set as `- dir: PATH`');
    const set = entry as Record<string, unknown>;
    checkKeys(set, SET_KEYS, at, fail);
    if (typeof set.dir !== 'string' || set.dir.trim() === '') fail(`${at}.dir`, 'must be a repository-relative path', 'for example `dir: db/migrations`');
    const dirText = set.dir as string;
    if (escapesDir(dirText, true)) {
      fail(`${at}.dir`, `${JSON.stringify(dirText)} points outside the repository`, 'use a path relative to the repository root, without ".." or a leading "/"');
    }
    const dir = normaliseDir(dirText);
    const previous = seenDirs.get(dir);
    if (previous !== undefined) fail(`${at}.dir`, `${dir} is listed twice (also migrations.${previous})`, 'list each dir once');
    seenDirs.set(dir, i);
    const result: MigrationSetConfig = { dir };
    if (set.tool !== undefined) result.tool = oneOf(set.tool, TOOLS, `${at}.tool`, fail);
    if (set.naming !== undefined) {
      result.naming = oneOf(set.naming, NAMING_SCHEMES, `${at}.naming`, fail);
      refuseUnreadKey(result.tool, 'naming', at, fail);
    }
    if (set.versions !== undefined) {
      result.versions = oneOf(set.versions, VERSION_READINGS, `${at}.versions`, fail);
      refuseUnreadKey(result.tool, 'versions', at, fail);
      if (result.naming === 'sequential') fail(`${at}.versions`, 'applies to timestamp and hybrid names, not sequential ones', 'remove `versions`, or set `naming: timestamp`');
    }
    if (set.recursive !== undefined) result.recursive = boolean(set.recursive, `${at}.recursive`, fail);
    if (set.exclude !== undefined) result.exclude = excludePatterns(set.exclude, `${at}.exclude`, fail);
    if (set.outOfOrder !== undefined) {
      result.outOfOrder = oneOf(set.outOfOrder, ['allow', 'refuse'] as const, `${at}.outOfOrder`, fail);
      refuseUnreadKey(result.tool, 'outOfOrder', at, fail);
    }
    if (set.cosmetic !== undefined) {
      result.cosmetic = oneOf(set.cosmetic, ['allow', 'refuse'] as const, `${at}.cosmetic`, fail);
      refuseUnreadKey(result.tool, 'cosmetic', at, fail);
    }
    if (set.table !== undefined) result.table = tableLocation(set.table, result.tool, `${at}.table`, fail);
    return result;
  });
  for (const [dir] of seenDirs) {
    for (const [other] of seenDirs) {
      if (dir !== other && (dir === '.' || other.startsWith(`${dir}/`))) {
        fail('migrations', `${other} lies inside ${dir}, so its files would belong to two sets`, 'list dirs that do not contain one another');
      }
    }
  }

  const config: GuardConfig = {
    migrations,
    seal: root.seal === undefined ? 'merged' : oneOf(root.seal, ['merged', 'committed'] as const, 'seal', fail),
    autoLock: root.autoLock === undefined ? true : boolean(root.autoLock, 'autoLock', fail),
    cosmetic: root.cosmetic === undefined ? 'refuse' : oneOf(root.cosmetic, ['allow', 'refuse'] as const, 'cosmetic', fail),
    environments: [],
    deploy: {},
    drift: { privileges: false, exclude: [] },
  };
  if (root.drift !== undefined) {
    if (!isRecord(root.drift)) {
      fail(
        'drift',
        typeof root.drift === 'string' ? 'at the top is a mapping of drift settings; the policy (refuse, warn, ignore) is set per environment' : 'must be a mapping',
        'for example:\ndrift:\n  privileges: false\n  exclude: [audit.*]\nenvironments:\n  - name: production\n    drift: refuse',
      );
    }
    const drift = root.drift as Record<string, unknown>;
    checkKeys(drift, DRIFT_KEYS, 'drift', fail);
    if (drift.privileges !== undefined) config.drift.privileges = boolean(drift.privileges, 'drift.privileges', fail);
    if (drift.exclude !== undefined) {
      if (!Array.isArray(drift.exclude) || drift.exclude.some((pattern) => typeof pattern !== 'string' || pattern.trim() === '')) {
        fail('drift.exclude', 'must be a list of qualified names, `*` matching any run of characters', 'for example `exclude: [audit.*, public.spatial_ref_sys]`');
      }
      config.drift.exclude = (drift.exclude as string[]).map((pattern) => pattern.trim());
    }
  }
  if (root.protected !== undefined) {
    if (typeof root.protected !== 'string' || root.protected.trim() === '') fail('protected', 'must be a git ref such as origin/main', 'for example `protected: origin/main`');
    config.protected = root.protected as string;
  }

  if (root.environments !== undefined) {
    if (!Array.isArray(root.environments)) fail('environments', 'must be a list, in promotion order', 'for example:\nenvironments:\n  - name: staging\n  - name: production');
    const names = new Set<string>();
    config.environments = (root.environments as unknown[]).map((entry, i) => {
      const at = `environments.${i}`;
      if (typeof entry === 'string') entry = { name: entry };
      if (!isRecord(entry)) fail(at, 'must be a mapping with a `name`', 'write `- name: staging`');
      const env = entry as Record<string, unknown>;
      checkKeys(env, ENVIRONMENT_KEYS, at, fail);
      if (typeof env.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env.name)) {
        fail(`${at}.name`, 'must be a name of letters, digits, ".", "_" or "-"', 'for example `name: staging`');
      }
      const name = env.name as string;
      if (names.has(name)) fail(`${at}.name`, `environment ${name} is listed twice`, 'each environment appears once in the chain');
      names.add(name);
      const environment: EnvironmentConfig = {
        name,
        settings: {},
        drift: env.drift === undefined ? 'warn' : oneOf(env.drift, DRIFT_POLICIES, `${at}.drift`, fail),
      };
      for (const key of ['database', 'ledger'] as const) {
        if (env[key] === undefined) continue;
        environment[key] = connectionReference(env[key], `${at}.${key}`, fail);
      }
      if (env.settings !== undefined) {
        if (!isRecord(env.settings)) fail(`${at}.settings`, 'must be a mapping', 'for example `settings: { lock_timeout: 10s }`');
        const settings = env.settings as Record<string, unknown>;
        checkKeys(settings, SETTING_KEYS, `${at}.settings`, fail);
        for (const key of ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'] as const) {
          if (settings[key] === undefined) continue;
          environment.settings[key] = duration(settings[key], `${at}.settings.${key}`, fail);
        }
        if (settings.transaction_per_migration !== undefined) {
          environment.settings.transaction_per_migration = boolean(settings.transaction_per_migration, `${at}.settings.transaction_per_migration`, fail);
        }
      }
      return environment;
    });
  }

  if (root.deploy !== undefined) {
    if (!isRecord(root.deploy)) fail('deploy', 'must be a mapping', 'for example `deploy: { command: alembic upgrade head }`');
    const deploy = root.deploy as Record<string, unknown>;
    checkKeys(deploy, DEPLOY_KEYS, 'deploy', fail);
    if (deploy.command !== undefined) {
      if (typeof deploy.command !== 'string' || deploy.command.trim() === '') fail('deploy.command', 'must be a command line', 'for example `command: alembic upgrade head`');
      if (holdsPassword(deploy.command as string)) {
        fail('deploy.command', 'holds a literal password, which would be committed with the config', 'guard sets DATABASE_URL for the command; use it, or name the secret by environment variable ($NAME)');
      }
      config.deploy.command = deploy.command as string;
    }
  }
  // The top-level policy is each set's unless it says otherwise; a tool that cannot honour it keeps byte checksums (discover-sets).
  if (config.cosmetic === 'allow') for (const set of migrations) set.cosmetic ??= 'allow';
  return config;
}

/**
 * Whether edits of a sealed file that keep its meaning pass in this set
 * (README, "Cosmetic edits"): `cosmetic: allow`, its own or the top level's,
 * for a tool that honours it (`tool`: the set's, as named or detected;
 * undefined when not known yet).
 */
export function allowsCosmeticEdits(set: MigrationSetConfig, tool: Tool | undefined): boolean {
  return set.cosmetic === 'allow' && (tool === undefined || TOOL_BY_NAME[tool].setKeys.includes('cosmetic'));
}

type Fail = (path: string, message: string, fix: string) => never;

/**
 * Refuses a tool-specific key (`naming`, `versions`, `outOfOrder`) on a set
 * whose tool does not read it (its `setKeys`), naming the tools that do and
 * the tool's reason when it gives one. A set without `tool:` is detected
 * later and keeps the key.
 */
function refuseUnreadKey(tool: Tool | undefined, key: ToolSetKey, at: string, fail: Fail): void {
  if (tool === undefined || TOOL_BY_NAME[tool].setKeys.includes(key)) return;
  const readers = TOOLS.filter((name) => TOOL_BY_NAME[name].setKeys.includes(key));
  const labels = readers.map((name) => TOOL_BY_NAME[name].setsLabel);
  const why = TOOL_BY_NAME[tool].whyNot?.[key];
  fail(
    `${at}.${key}`,
    `applies to ${labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : labels[0]} sets only, not ${tool}${why ? `: ${why}` : ''}`,
    readers.length === 1 ? `remove \`${key}\`, or set \`tool: ${readers[0]}\`` : `remove \`${key}\``,
  );
}

/**
 * Connection strings are named by environment variable only, so no password
 * ever sits in a committed file. A literal URL without a password is allowed
 * (a local socket database), one with a password is refused.
 */
function connectionReference(value: unknown, at: string, fail: Fail): string {
  const fix = 'put the URL in an environment variable and write `$NAME_DATABASE_URL` here';
  if (typeof value !== 'string' || value.trim() === '') fail(at, 'must name an environment variable, like $STAGING_DATABASE_URL', 'write `database: $STAGING_DATABASE_URL`');
  const text = value as string;
  if (/^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(text)) return text;
  if (text.startsWith('$')) fail(at, 'is not an environment variable reference ($NAME or ${NAME})', 'write `database: $STAGING_DATABASE_URL`');
  if (holdsPassword(text)) fail(at, 'holds a literal password, which would be committed with the config', fix);
  return text;
}

/**
 * A literal password: `scheme://user:PASSWORD@` anywhere (the password may hold
 * `/`, which URL parsers reject but a person still typed), or `password=VALUE`
 * (key/value DSN, query parameter, `PGPASSWORD=` in a command). A `$VARIABLE`
 * in the password's place is a reference, not a secret. Errs towards refusing.
 */
export function holdsPassword(text: string): boolean {
  return /[a-z][a-z0-9+.-]*:\/\/[^\s@/?#]*:(?!\$)[^\s@]+@/i.test(text) || /password=(?!\$)[^\s&;'"]/i.test(text);
}

/**
 * `exclude:` globs, relative to the set's dir: a list of non-empty patterns
 * that stay inside it (no leading `/`, no `..`, no backslash), so a pattern
 * can only ever leave out files of its own set.
 */
function excludePatterns(value: unknown, at: string, fail: Fail): string[] {
  const fix = 'for example `exclude: [update-sequences.sql, "helpers/**"]` (globs relative to the set\'s dir)';
  if (!Array.isArray(value) || value.length === 0) fail(at, 'must be a non-empty list of globs', fix);
  return (value as unknown[]).map((pattern, i) => {
    if (typeof pattern !== 'string' || pattern.trim() === '') fail(`${at}.${i}`, 'must be a glob such as helpers/*.sql', fix);
    const text = (pattern as string).trim();
    if (text.startsWith('/') || text.includes('\\') || text.split('/').includes('..')) fail(`${at}.${i}`, `${JSON.stringify(text)} leaves the set's dir`, fix);
    return text;
  });
}

/**
 * `table: name` or `table: schema.name`, for a tool whose table the
 * project's own config can rename or move (its `appliedTable.renamedBy`).
 * Names are taken as written, as the tools quote them: no dots or double
 * quotes inside, at most 63 bytes (PostgreSQL's NAMEDATALEN).
 */
function tableLocation(value: unknown, tool: Tool | undefined, at: string, fail: Fail): TableLocation {
  const fix = 'write the table the tool\'s config names, as `table: my_migrations` or `table: my_schema.my_migrations`';
  if (tool === undefined) fail(at, 'says where the tool keeps its table, so the set must name its tool', 'add `tool:` to the set');
  const renamedBy = TOOL_BY_NAME[tool!].appliedTable.renamedBy ?? [];
  if (renamedBy.length === 0) fail(at, `applies to sets whose tool keeps its own table, not ${tool}: guard records these migrations itself`, 'remove `table`');
  if (typeof value !== 'string') fail(at, `is ${JSON.stringify(value)}, expected a table name`, fix);
  const parts = (value as string).trim().split('.');
  const bad = parts.length > 2 || parts.some((part) => part === '' || part.includes('"') || /\s/.test(part) || Buffer.byteLength(part) > 63);
  if (bad) fail(at, `${JSON.stringify(value)} is not \`name\` or \`schema.name\` (no spaces, quotes or further dots; at most 63 bytes each)`, fix);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

/** PostgreSQL accepts `10 s`, but the value travels in PGOPTIONS, which splits on spaces: written `10s`. */
function duration(value: unknown, at: string, fail: Fail): string {
  const text = typeof value === 'number' ? `${value}ms` : value;
  if (typeof text !== 'string' || !/^\d+(?:\.\d+)?\s*(?:us|ms|s|min|h|d)?$/.test(text.trim())) {
    fail(at, `${JSON.stringify(value)} is not a PostgreSQL duration`, 'write a number with a unit: 500ms, 10s, 2min');
  }
  return (text as string).replace(/\s+/g, '');
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], at: string, fail: Fail): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(at, `is ${JSON.stringify(value)}, expected one of ${allowed.join(', ')}`, `set \`${at.split('.').pop()}: ${allowed[0]}\` or another of ${allowed.join(', ')}`);
  }
  return value as T;
}

function boolean(value: unknown, at: string, fail: Fail): boolean {
  if (typeof value !== 'boolean') fail(at, `is ${JSON.stringify(value)}, expected true or false`, `write \`${at.split('.').pop()}: true\` or \`false\``);
  return value as boolean;
}

function checkKeys(record: Record<string, unknown>, allowed: readonly string[], at: string, fail: Fail): void {
  for (const key of Object.keys(record)) {
    if (allowed.includes(key)) continue;
    const suggestion = suggestName(key, allowed);
    fail(
      at ? `${at}.${key}` : key,
      'is not a known key',
      suggestion ? `did you mean \`${suggestion}\`? Known keys: ${allowed.join(', ')}` : `known keys here: ${allowed.join(', ')}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nearestLine(lineOf: LineOf, path: string): number | undefined {
  let at = path;
  for (;;) {
    const line = lineOf(at);
    if (line !== undefined || at === '') return line;
    const dot = at.lastIndexOf('.');
    at = dot === -1 ? '' : at.slice(0, dot);
  }
}
