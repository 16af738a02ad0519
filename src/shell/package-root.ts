import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** guard's package.json, the fields read from it. */
export interface GuardManifest {
  version: string;
  peerDependencies?: Record<string, string>;
}

/**
 * The root of guard's own package (the folder whose package.json is named
 * migration-guard) above this module: it runs from src/shell (tests), tsc's
 * dist/shell or the bundle's dist/bin, whose own package.json only marks
 * its files as CommonJS.
 */
export function guardPackageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): { root: string; manifest: GuardManifest } | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifestPath = path.join(dir, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as GuardManifest & { name?: string };
      if (manifest.name === 'migration-guard') return { root: dir, manifest };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
