/**
 * Judgements on a value found where a password goes: is it a placeholder,
 * a bind parameter, a password hash; is a name a password's name. Shared by
 * the line rules and the SQL and Python scanners, so that each spelling of
 * a value is judged the same way.
 */

/** Words people put where a password goes until the real one is set elsewhere. */
const PLACEHOLDER_WORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'secret', 'changeme', 'changeit', 'redacted', 'placeholder', 'todo', 'fixme',
  'none', 'null', 'undefined', 'notasecret', 'replaceme', 'yourpassword', 'mypassword', 'replacewithpassword',
  'dbpassword', 'databasepassword', 'userpassword', 'examplepassword', 'dummypassword',
]);

/**
 * A value that is no secret: empty, a mask, a template or a placeholder
 * word. The scanners stand `{}` in for a part of a value they cannot know
 * (a variable, a function call), so a value built partly at run time is a
 * template too.
 */
export function isPlaceholder(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  if (/^(.)\1*$/s.test(trimmed)) return true; // ***, xxxx, ....
  // Templates: ${X}, {{x}}, {x}, %(x)s, <%= x %>, #{x}; then %s, $(cmd), $VAR, %VAR%, <password>, [REDACTED].
  if (/\$\{|\{\{|\{[A-Za-z_0-9]*\}|%\([^)]*\)[sdr]|<%|#\{/.test(trimmed)) return true;
  if (/^(?:%s|\$\(.*\)|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|<[^<>]*>|\[[^[\]]*\])$/.test(trimmed)) return true;
  const word = trimmed.toLowerCase().replace(/[\s_.-]/g, '');
  return PLACEHOLDER_WORDS.has(word) || /^(?:your|my|some|enter|insert)(?:password|secret|pass|pwd)(?:here)?$/.test(word);
}

/**
 * An unquoted value that is a parameter or variable, not a literal: `?`,
 * `$1`, `:password`, `@password` (T-SQL), `&password` (SQL*Plus).
 */
export function isBindParameter(value: string): boolean {
  return /^(?:\?|\$\d+|[:@&]{1,2}\w+)$/.test(value);
}

/** PostgreSQL md5/SCRAM verifiers, MySQL native hashes, crypt(3)-style hashes (bcrypt, argon2, ...). */
export function isPasswordHash(value: string): boolean {
  return /^(?:md5[0-9a-f]{32}|SCRAM-SHA-256\$\d+:|\*[0-9A-Fa-f]{40}$|\$(?:2[abxy]?|5|6|argon2(?:id|i|d)|pbkdf2[\w-]*|scrypt)\$)/.test(value);
}

/**
 * Names whose last word is a password: `password`, `db_password`, `DB_PASS`,
 * `adminPassword`, `passwd`, `pwd`, `passphrase`, or ends in one glued to
 * another word (`PGPASSWORD`, `dbpasswd`).
 */
export function isPasswordName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\-.]+/)
    .filter((w) => w !== '');
  const last = words[words.length - 1];
  if (last === undefined) return false;
  return last === 'pwd' || last === 'pass' || last === 'passphrase' || last.endsWith('password') || last.endsWith('passwd');
}

/**
 * Values under a password-like name that name something instead: a column
 * type (`'password': 'VARCHAR(128)'`) or an identifier that is about
 * passwords (`password_column = 'password_hash'`, `'users.password'`).
 */
export function looksLikeTypeOrIdentifier(value: string): boolean {
  if (/^(?:text|varchar|character varying|char|character|bytea|string|str|blob|binary|varbinary|unicode|unicodetext|nvarchar)\s*(?:\(\s*\d*\s*\))?$/i.test(value)) return true;
  return /^[A-Za-z_][\w.]*$/.test(value) && /pass|pwd/i.test(value);
}

/**
 * The kind of finding a value written where a password goes makes, or
 * undefined when it is none: shorter than `minLength`, a placeholder, or
 * (`unquoted`) a bind parameter. A password hash is a finding of its own kind.
 */
export function passwordValueKind(value: string, minLength: number, unquoted = false): 'password literal' | 'password hash' | undefined {
  if (value.length < minLength || isPlaceholder(value) || (unquoted && isBindParameter(value))) return undefined;
  return isPasswordHash(value) ? 'password hash' : 'password literal';
}
