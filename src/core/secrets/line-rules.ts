/**
 * Secrets found by regular expressions, one line at a time: vendor token
 * formats, URLs with a password, and, in text no tokenizer reads (comments,
 * string values, files in other languages), password literals after a
 * password's name. Each rule runs only on the lines that hold a literal it
 * needs, so a large data migration stays fast. The rules run on a mapped
 * text, so a secret found in a decoded string value is placed where the
 * file spells it.
 */
import { candidateAt, type Candidate } from './candidate.js';
import type { MappedText } from './mapped-text.js';
import { isBindParameter, isPasswordName, isPlaceholder, looksLikeTypeOrIdentifier, passwordValueKind } from './secret-values.js';

/**
 * `scheme://user:password@`: userinfo with a password, any scheme. Group 1 is
 * the password. No `/` in it, so `http://host:8080/a@b` is not read as one.
 */
const URL_WITH_PASSWORD = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/'"`]*:([^\s@/'"`]+)@/;

/** An SQL string literal (`'...'` with `''` escapes, optional E/N prefix): group 1 is the content. */
const SQL_STRING = String.raw`[EeNn]?'((?:[^'\n]|'')*)'`;

/** The secret in a match: its text and offset; `kind` overrides the rule's; `at` (offset) moves the reported position. */
interface Secret {
  value: string;
  offset: number;
  kind?: string;
  at?: number;
}

interface Rule {
  name: string;
  group: RuleGroup;
  kind: string;
  /** A literal every match contains (flag g): the pattern runs only on the lines that have it. */
  lines: RegExp;
  /** Matched against one line at a time (every rule's matches are single lines). */
  pattern: RegExp;
  /** The secret in a match (`line` is the whole line; `inString`: the text is a string's value); undefined drops the match. */
  secret?: (match: RegExpExecArray, line: Line, inString: boolean) => Secret | undefined;
}

/**
 * A literal value at `offset` in the match, unless it is a placeholder or
 * shorter than `minLength`; a password hash is reported as one.
 */
function literal(value: string, offset: number, minLength: number, unquoted = false): Secret | undefined {
  const kind = passwordValueKind(value, minLength, unquoted);
  return kind && { value, offset, kind };
}

/** Offset in the match of group `n`, which ends the match. */
const groupOffset = (match: RegExpExecArray, n: number): number => match[0].length - match[n]!.length;

const LINE_RULES: Rule[] = [
  {
    // PostgreSQL CREATE/ALTER ROLE|USER ... [ENCRYPTED] PASSWORD '...', postgres_fdw
    // OPTIONS (password '...'), SQL Server PASSWORD = N'...', MySQL SET PASSWORD [FOR u] = '...',
    // old MySQL PASSWORD('...'), and `password = '...'` in any language.
    name: 'sql-password',
    group: 'password',
    lines: /password/ig,
    kind: 'password literal',
    // Not `'password', '...'`: a quote right before or after the word means it is itself a string.
    pattern: new RegExp(String.raw`(?<!['"\x60])\bPASSWORD(?:\s+FOR\s+[^=;\n]{1,200}?\s*=\s*|\s*(?:=>?|\()\s*|\s+)(?:\(\s*)?${SQL_STRING}`, 'gi'),
    secret: (match) => literal(match[1]!, match[0].length - match[1]!.length - 1, 1),
  },
  {
    // pgcrypto: crypt('the password', gen_salt('bf')) stores a hash of a password written in clear.
    name: 'pgcrypto-crypt',
    group: 'password',
    lines: /crypt/ig,
    kind: 'password literal',
    pattern: new RegExp(String.raw`\bcrypt\s*\(\s*${SQL_STRING}(?=\s*,\s*gen_salt\b)`, 'gi'),
    secret: (match) => literal(match[1]!, match[0].length - match[1]!.length - 1, 1),
  },
  {
    // MySQL IDENTIFIED [WITH plugin] BY '...' / BY PASSWORD '*hash' / AS 'hash'
    // (not BY RANDOM PASSWORD, which MySQL generates); Oracle IDENTIFIED BY word / BY VALUES 'hash'.
    name: 'identified-by',
    group: 'password',
    lines: /identified/ig,
    kind: 'password literal',
    pattern: new RegExp(
      String.raw`\bIDENTIFIED\s+(?:WITH\s+['"\x60]?\w+['"\x60]?\s+)?(BY|AS)\s+(?:(PASSWORD|VALUES)\s+)?(?:${SQL_STRING}|"([^"\n]*)"|([^\s;'"(),]+))`,
      'gi',
    ),
    secret: (match, line) => {
      const group = match[3] !== undefined ? 3 : match[4] !== undefined ? 4 : 5;
      const value = match[group]!;
      if (group === 5 && value.toUpperCase() === 'RANDOM') return undefined;
      // An unquoted word only in a statement on a user: prose ("rows are identified by their id") is not one.
      if (group === 5 && !line.test(USER_STATEMENT)) return undefined;
      const found = literal(value, match[0].length - value.length - (group === 5 ? 0 : 1), 1, group === 5);
      const isHash = match[1]!.toUpperCase() === 'AS' || match[2] !== undefined;
      return found && isHash ? { ...found, kind: 'password hash' } : found;
    },
  },
  {
    // `password=...` inside a libpq conninfo, ADO/ODBC or JDBC string:
    // 'host=db user=app password=s3cret', "Server=x;Password=s3cret;", "...?user=a&password=s3cret".
    // Only inside quotes and beside another connection key, so that a Python
    // keyword argument (`password=pw`, a variable) is not taken for one.
    name: 'connection-string-password',
    group: 'password',
    lines: /pass|pwd/ig,
    kind: 'password literal',
    pattern: /(?<![\w.])(?:password|passwd|pwd)\s*=\s*(?!['"])(%\([^)]*\)[sdr]|[^\s'";&,)]+)/gi,
    secret: (match, line, inString) => {
      const before = line.text[match.index - 1] ?? '';
      const besideKey = /[?&;]/.test(before) || line.test(CONNECTION_KEY);
      if (!besideKey || !(inString || line.insideQuotes(match.index))) return undefined;
      return literal(match[1]!, groupOffset(match, 1), 1, true);
    },
  },
  {
    // Python/alembic (and JSON, YAML, JS): `db_password = "..."`, `password: str = '...'`,
    // `password='...'` (keyword argument), `"password": "..."` (dict, JSON).
    name: 'password-assignment',
    group: 'password',
    lines: /pass|pwd/ig,
    kind: 'password literal',
    pattern:
      /(?<![\w$])(['"]?)([A-Za-z_][\w-]*)\1\s*(?:(?::\s*[A-Za-z_][\w.[\], |]*?)?(?:=>|:=|=)(?![=>])|:)\s*([rRbBuUfF]{0,2})(['"])((?:\\.|(?!\4)[^\\\n])*)\4/g,
    secret: (match) => {
      if (!isPasswordName(match[2]!)) return undefined;
      const value = match[5]!;
      if (/f/i.test(match[3]!) && value.includes('{')) return undefined;
      if (value.length < 4 || looksLikeTypeOrIdentifier(value)) return undefined;
      return literal(value, match[0].length - value.length - 1, 4);
    },
  },
  {
    name: 'url-with-password',
    group: 'shape',
    lines: /:\/\//g,
    kind: 'URL with a password',
    pattern: new RegExp(URL_WITH_PASSWORD.source, 'g'),
    secret: (match) => {
      const password = match[1]!;
      return isPlaceholder(password) || isBindParameter(password) ? undefined : { value: password, offset: match[0].length - password.length - 1 };
    },
  },
  {
    // Secret (sk_) and restricted (rk_) keys, live and test: both call the API.
    // Publishable keys (pk_) are public.
    name: 'stripe',
    group: 'shape',
    lines: /k_live_|k_test_/g,
    kind: 'Stripe secret key',
    pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247}(?![A-Za-z0-9])/g,
  },
  {
    name: 'stripe-webhook',
    group: 'shape',
    lines: /whsec_/g,
    kind: 'Stripe webhook secret',
    pattern: /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9]{32,}(?![A-Za-z0-9])/g,
  },
  {
    // secretlint's GCP rule reads service account files (.json, .p12), not keys inside other text.
    name: 'google-api-key',
    group: 'shape',
    lines: /AIza/g,
    kind: 'Google API key',
    pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  },
  {
    name: 'azure-storage-key',
    group: 'shape',
    lines: /AccountKey/ig,
    kind: 'Azure storage account key',
    pattern: /\bAccountKey\s*=\s*([A-Za-z0-9+/]{86}==)/gi,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1) }),
  },
  {
    // Service Bus, Event Hubs, IoT Hub connection strings.
    name: 'azure-shared-access-key',
    group: 'shape',
    lines: /SharedAccessKey/ig,
    kind: 'Azure shared access key',
    pattern: /\bSharedAccessKey\s*=\s*([A-Za-z0-9+/]{42,43}=)/gi,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1) }),
  },
  {
    // A shared access signature: `sig=` beside the `sv=` of the same query string.
    name: 'azure-sas',
    group: 'shape',
    lines: /sig=/g,
    kind: 'Azure SAS token',
    pattern: /[?&;]sig=([A-Za-z0-9%+/]{40,}(?:=|%3[Dd]){0,2})/g,
    secret: (match, line) => {
      return line.test(SAS_VERSION) ? { value: match[1]!, offset: 5 } : undefined;
    },
  },
  {
    // Microsoft Entra ID (Azure AD) client secrets: three characters, a digit, `Q~`, 31 to 34 more.
    name: 'azure-client-secret',
    group: 'shape',
    lines: /Q~/g,
    kind: 'Azure client secret',
    pattern: /(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g,
  },
  {
    // secretlint's private key rule knows RSA/DSA/EC/OPENSSH/PGP and bare PKCS#8 keys, not encrypted ones.
    name: 'encrypted-private-key',
    group: 'shape',
    lines: /-----BEGIN ENCRYPTED PRIVATE KEY-----/g,
    kind: 'private key',
    pattern: /-----BEGIN ENCRYPTED PRIVATE KEY-----([^\n]*)/g,
    secret: (match) => ({ value: match[1]!, offset: groupOffset(match, 1), at: 0 }),
  },
  {
    // Header and payload are base64url JSON objects (`{"` encodes as `eyJ`); a signature follows.
    name: 'jwt',
    group: 'shape',
    lines: /eyJ/g,
    kind: 'JSON Web Token',
    pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![\w-])/g,
  },
  {
    name: 'bearer',
    group: 'shape',
    lines: /bearer/ig,
    kind: 'bearer token',
    pattern: /\bBearer\s+([A-Za-z0-9\-._~+/]{20,}=*)/gi,
    secret: (match) => {
      const token = match[1]!;
      if (!/\d/.test(token) || !/[A-Za-z]/.test(token) || isPlaceholder(token) || /^eyJ/.test(token)) return undefined;
      return { value: token, offset: match[0].length - token.length };
    },
  },
];

const CONNECTION_KEY = /(?:^|[\s;'"?&])(?:host|hostaddr|dbname|user|port|sslmode|server|database|uid|user id|data source)\s*=/i;
const USER_STATEMENT = /\b(?:CREATE|ALTER)\s+USER\b|\bGRANT\b/i;
const SAS_VERSION = /[?&;]sv=\d{4}-\d{2}-\d{2}/;

/**
 * One line the rules read, with what they ask of the whole line answered
 * once: a line of a million characters with a match every few is read a
 * bounded number of times, not once per match.
 */
class Line {
  private readonly tests = new Map<RegExp, boolean>();
  private quotePosition = 0;
  private quote = '';

  constructor(readonly text: string) {}

  /** Whether `pattern` matches somewhere in the line (remembered per pattern). */
  test(pattern: RegExp): boolean {
    let result = this.tests.get(pattern);
    if (result === undefined) {
      result = pattern.test(this.text);
      this.tests.set(pattern, result);
    }
    return result;
  }

  /**
   * Whether `at` lies inside a '...' or "..." string (backslash escapes
   * honoured). Asked with increasing offsets (a rule's matches come in
   * order), it reads on from where it stopped.
   */
  insideQuotes(at: number): boolean {
    if (at < this.quotePosition) {
      this.quotePosition = 0;
      this.quote = '';
    }
    let i = this.quotePosition;
    for (; i < at; i++) {
      const ch = this.text[i]!;
      if (this.quote !== '' && ch === '\\') i++;
      else if (this.quote === '' && (ch === "'" || ch === '"')) this.quote = ch;
      else if (ch === this.quote) this.quote = '';
    }
    // An escape's second character may lie past `at`: start there next time.
    this.quotePosition = i;
    return this.quote !== '';
  }
}


/**
 * Which rules: `password` ones read a password after its name or keyword
 * (`PASSWORD '...'`, `password = "..."`, `password=...` in a connection
 * string); `shape` ones know a secret by its form (a token's prefix, a URL's
 * userinfo, a key's length).
 */
export type RuleGroup = 'password' | 'shape';

/** For each group, a test every text some rule of it matches in passes (the rules' `lines`, case folded). */
const GROUP_HINTS: Record<RuleGroup, RegExp> = {
  password: groupHint('password'),
  shape: groupHint('shape'),
};

/** The `password` group's hint: a string value without it holds no password literal for these rules. */
export const PASSWORD_RULES_HINT: RegExp = GROUP_HINTS.password;

function groupHint(group: RuleGroup): RegExp {
  return new RegExp(LINE_RULES.filter((rule) => rule.group === group).map((rule) => `(?:${rule.lines.source})`).join('|'), 'i');
}

/**
 * Candidates in `source`. `inString`: the text is the value of a string
 * literal (a connection string's `password=` needs no surrounding quotes then).
 */
export function lineRuleCandidates(source: MappedText, groups: readonly RuleGroup[], inString: boolean): Candidate[] {
  const text = source.text;
  const out: Candidate[] = [];
  const wanted = groups.filter((group) => GROUP_HINTS[group].test(text));
  if (wanted.length === 0) return out;
  for (const rule of LINE_RULES) {
    if (!wanted.includes(rule.group)) continue;
    const lines = rule.lines;
    lines.lastIndex = 0;
    for (let hint = lines.exec(text); hint !== null; hint = lines.exec(text)) {
      const lineStart = text.lastIndexOf('\n', hint.index) + 1;
      const next = text.indexOf('\n', hint.index);
      const lineEnd = next === -1 ? text.length : next;
      const line = new Line(text.slice(lineStart, lineEnd));
      lines.lastIndex = lineEnd + 1;
      rule.pattern.lastIndex = 0;
      for (let match = rule.pattern.exec(line.text); match !== null; match = rule.pattern.exec(line.text)) {
        if (match[0] === '') {
          rule.pattern.lastIndex++;
          continue;
        }
        const secret = rule.secret ? rule.secret(match, line, inString) : { value: match[0], offset: 0 };
        if (!secret) continue;
        const start = lineStart + match.index + secret.offset;
        const at = secret.at === undefined ? undefined : source.spansOf(lineStart + match.index + secret.at, lineStart + match.index + secret.at + 1)[0]?.[0];
        // An empty secret (a key whose body starts on the next line) still marks where it starts.
        const end = start + Math.max(secret.value.length, 1);
        const found = candidateAt(source, start, end, secret.kind ?? rule.kind, `guard/${rule.name}`, at);
        if (found) out.push(found);
      }
    }
  }
  return out;
}
