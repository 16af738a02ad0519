import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set by scripts/bundle-cli.mjs: a digest of the code the bundle holds. */
declare const __GUARD_BUILD__: string | undefined;

let version: string | undefined;

/**
 * This package's version and build, the key every cache in `$GIT_DIR/guard/`
 * starts with: results remembered by one build of guard are never served by
 * another, even between releases.
 */
export function guardVersion(): string {
  version ??= `${packageVersion()}+${buildId()}`;
  return version;
}

/** This package's version (package.json), without the build. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function buildId(): string {
  if (typeof __GUARD_BUILD__ === 'string') return __GUARD_BUILD__;
  // Unbundled (tests from source, the tsc library build): the code's own
  // files, by name, size and modification time, stand for the build.
  const codeDir = fileURLToPath(new URL('..', import.meta.url));
  const digest = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(?:ts|js)$/.test(entry.name)) {
        const stat = statSync(full);
        digest.update(`${path.relative(codeDir, full)}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(codeDir);
  return `dev-${digest.digest('hex').slice(0, 16)}`;
}
