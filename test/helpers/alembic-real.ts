// Runs real Alembic (Debian's python3-alembic for /usr/bin/python3) to get the
// heads of revision folders, so tests can compare guard's discovery with it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../../src/core/migrations/types.js';

/** The pyenv `python3` on PATH has no Alembic; Debian's does. */
export const PYTHON = '/usr/bin/python3';

let availability: string | false | undefined;

/** A skip message when real Alembic cannot be run here, false when it can. */
export function realAlembicMissing(): string | false {
  if (availability === undefined) {
    const probe = spawnSync(PYTHON, ['-c', 'import alembic; print(alembic.__version__)'], { encoding: 'utf8' });
    availability =
      probe.status === 0
        ? false
        : `SKIPPED: real Alembic is not installed for ${PYTHON} (apt-get install python3-alembic); ` +
          `guard's heads were not compared with Alembic's`;
  }
  return availability;
}

export function realAlembicVersion(): string {
  return spawnSync(PYTHON, ['-c', 'import alembic; print(alembic.__version__)'], { encoding: 'utf8' }).stdout.trim();
}

export interface RealCase {
  /** Any existing directory (Alembic's script_location; env.py is not needed for heads). */
  root: string;
  /** Version locations, absolute. Alembic 1.8 reads each one flat (no sub-folders). */
  locations: string[];
}

export type RealResult = { heads: string[] } | { error: string };

/**
 * One Python process for many folders: builds Alembic's ScriptDirectory for
 * each case (which imports every revision file, as `alembic heads` does) and
 * prints its heads, or the error Alembic stops with. Alembic's warnings
 * (missing down revision, duplicate id) count as errors.
 */
const RUNNER = String.raw`
import json, sys, warnings
sys.dont_write_bytecode = True
from alembic.script import ScriptDirectory
out = []
for case in json.load(sys.stdin):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            script = ScriptDirectory(case["root"], version_locations=case["locations"])
            out.append({"heads": sorted(script.get_heads())})
    except BaseException as error:
        out.append({"error": "%s: %s" % (type(error).__name__, error)})
json.dump(out, sys.stdout)
`;

export function realAlembicHeads(cases: readonly RealCase[]): RealResult[] {
  const run = spawnSync(PYTHON, ['-c', RUNNER], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.status !== 0) throw new Error(`real Alembic runner failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as RealResult[];
}

/** `python3 -m alembic -c <ini> heads`, parsed to a sorted list of ids. */
export function alembicHeadsCli(ini: string): { heads: string[] } | { error: string } {
  const run = spawnSync(PYTHON, ['-m', 'alembic', '-c', ini, 'heads'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.status !== 0) return { error: run.stderr.trim() };
  // Lines look like `3a8f1c2d4e5b (billing) (head)`.
  return {
    heads: run.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0]!)
      .filter((id) => id !== '')
      .sort(),
  };
}

/** The files of a folder as guard's adapters get them (paths relative, POSIX). */
export function readSourceFiles(dir: string, recursive: boolean): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (at: string, prefix: string) => {
    for (const name of readdirSync(at).sort()) {
      const full = path.join(at, name);
      if (statSync(full).isDirectory()) {
        if (recursive && name !== '__pycache__') walk(full, `${prefix}${name}/`);
      } else files.push({ path: `${prefix}${name}`, bytes: new Uint8Array(readFileSync(full)) });
    }
  };
  walk(dir, '');
  return files;
}

/** Every folder under `dir` (itself included), except `__pycache__`. */
export function foldersUnder(dir: string): string[] {
  const found = [dir];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name !== '__pycache__' && statSync(full).isDirectory()) found.push(...foldersUnder(full));
  }
  return found;
}
