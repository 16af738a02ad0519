/**
 * The lockfile's text format, in one module: its grammar (header, keys and
 * their order, scalars), the serializer that writes the one canonical text,
 * the fast reader of that text, the full parser of any text (a hand-edited
 * file goes through the YAML parser) and the append of one migration that the
 * pre-commit hook uses. Nothing outside this folder knows how the text is
 * laid out; everything else works on the `Lockfile` data (../types.ts).
 *
 * Like Atlas's `atlas.sum` (https://atlasgo.io/blog/2022/09/05/announcing-migration-execution),
 * the format is small and exact: the same data always gives the same bytes,
 * so `guard lock`, the hook's append and a merge agree byte for byte.
 */
export { AMENDMENT_KEYS, ENTRY_KEYS, FILE_AMENDMENT_KEYS, LOCKFILE_HEADER, SET_AMENDMENT_KEYS, SET_KEYS, TOP_KEYS, yamlList, yamlScalar } from './grammar.js';
export { serializeLockfile } from './serialize.js';
export { readCanonicalLockfile, type LineIndex, type RawDocument } from './read-canonical.js';
export { parseLockfile, type ParsedLockfile } from './parse.js';
export { appendEntries, appendEntry, locksExactlySets, readSetTail, type Addition, type SetTail } from './append.js';
