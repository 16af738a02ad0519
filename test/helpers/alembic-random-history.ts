// Deterministic random Alembic histories: linear runs, branches, merges of 2-3
// heads, extra bases with branch labels, depends_on, sub-folders, and revision
// files written in the many styles projects have used since Alembic 0.x.
import { prng } from './prng.js';


export { prng };

export interface RandomRevision {
  id: string;
  parents: string[];
  labels: string[];
  /** Revision ids or branch labels. */
  dependsOn: string[];
  /** Relative path of its file. */
  file: string;
}

export interface RandomHistory {
  seed: number;
  recursive: boolean;
  /** In creation order: every prefix is a valid history, like a run of commits. */
  revisions: RandomRevision[];
}

const FOLDERS = ['2019', '2024/q1', '2024/q2', 'billing', 'billing/legacy', 'search'];
const WORDS = ['add', 'users', 'index', 'drop', 'column', 'orders', 'fix', 'email', 'audit', 'tenant', 'merge'];

export function randomHistory(seed: number, size: number, recursive: boolean): RandomHistory {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const revisions: RandomRevision[] = [];
  const children = new Map<string, number>();
  const usedIds = new Set<string>();
  const labels: string[] = [];
  let serial = 0;

  const newId = (): string => {
    for (;;) {
      const style = random();
      const hex = (length: number) => Array.from({ length }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
      const id =
        style < 0.7 ? hex(12) : style < 0.8 ? hex(11) : style < 0.9 ? String(++serial).padStart(4, '0') : `rev_${hex(6)}`;
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };
  const heads = () => revisions.filter((r) => !children.has(r.id)).map((r) => r.id);

  for (let i = 0; i < size; i++) {
    const id = newId();
    const current = heads();
    const roll = random();
    let parents: string[];
    const revisionLabels: string[] = [];
    if (revisions.length === 0 || roll < 0.07) {
      parents = [];
      if (revisions.length > 0 || random() < 0.3) revisionLabels.push(`branch_${labels.length}`);
    } else if (roll < 0.22 && current.length >= 2) {
      const count = current.length >= 3 && random() < 0.35 ? 3 : 2;
      const shuffled = [...current].sort(() => random() - 0.5);
      parents = shuffled.slice(0, count);
    } else if (roll < 0.35) {
      parents = [pick(revisions).id]; // a branch point (or a plain child of a head)
      if (random() < 0.3) revisionLabels.push(`topic_${labels.length}`);
    } else {
      parents = [pick(current)];
    }
    const dependsOn: string[] = [];
    if (revisions.length > 2 && random() < 0.15) {
      dependsOn.push(labels.length > 0 && random() < 0.4 ? pick(labels) : pick(revisions).id);
      if (random() < 0.2) {
        const another = pick(revisions).id;
        if (!dependsOn.includes(another)) dependsOn.push(another);
      }
    }
    for (const parent of parents) children.set(parent, (children.get(parent) ?? 0) + 1);
    labels.push(...revisionLabels);
    const folder = recursive && random() < 0.6 ? `${pick(FOLDERS)}/` : '';
    const slug = `${pick(WORDS)}_${pick(WORDS)}`;
    const file = random() < 0.5 ? `${folder}${id}_${slug}.py` : `${folder}2024_01_${String(i).padStart(2, '0')}_${id}_${slug}.py`;
    revisions.push({ id, parents, labels: revisionLabels, dependsOn, file });
  }
  return { seed, recursive, revisions };
}

const quote = (value: string, random: () => number): string => {
  const style = random();
  return style < 0.45 ? `'${value}'` : style < 0.8 ? `"${value}"` : style < 0.9 ? `u'${value}'` : `"""${value}"""`;
};

function tuple(values: string[], random: () => number, multiline: boolean, list = false): string {
  const [open, close] = list ? ['[', ']'] : ['(', ')'];
  if (values.length === 1 && !list && random() < 0.5) return quote(values[0]!, random);
  if (!multiline) return `${open}${values.map((v) => quote(v, random)).join(', ')}${values.length === 1 && !list ? ',' : ''}${close}`;
  const lines = values.map((v, i) => `    ${quote(v, random)},${i === 0 ? '  # first parent' : ''}`);
  return `${open}\n${lines.join('\n')}\n    # end of ${list ? 'list' : 'tuple'}\n${close}`;
}

function headerValue(values: string[], random: () => number): string {
  if (values.length === 0) return 'None';
  if (values.length === 1 && random() < 0.7) return quote(values[0]!, random);
  return tuple(values, random, random() < 0.5, random() < 0.3);
}

export type Body = 'python3' | 'python2';

/**
 * The text of one revision file. Styles: Alembic's generated template (old and
 * new), type annotations, Python-2-era files (`u''`, coding cookie), dense
 * one-liners with `;`, backslash continuations, decoys in docstrings and
 * functions, CRLF line ends. `python2` bodies cannot be imported by Python 3.
 */
export function revisionFile(revision: RandomRevision, random: () => number, body: Body): string {
  const down = headerValue(revision.parents, random);
  const labels = headerValue(revision.labels, random);
  const depends = headerValue(revision.dependsOn, random);
  const style = Math.floor(random() * 6);
  const lines: string[] = [];
  const docstring = [
    '"""' + (random() < 0.3 ? "make revision = 'fake' harmless" : 'auto generated'),
    '',
    `Revision ID: ${revision.id}`,
    `Revises: ${revision.parents.join(', ') || 'abc000fake'}`,
    random() < 0.3 ? "down_revision = 'decoy'" : 'Create Date: 2024-01-01 00:00:00',
    '',
    '"""',
  ];
  const latin1 = style === 3 && random() < 0.5;
  if (style === 3) lines.push(latin1 ? '# -*- coding: latin-1 -*-' : '# -*- coding: utf-8 -*-');
  lines.push(...docstring);
  if (latin1) lines.splice(2, 0, 'Caf\u00e9 and na\u00efve names, stored as Latin-1');
  if (style === 1) lines.push('from typing import Sequence, Union', '');
  lines.push('from alembic import op', 'import sqlalchemy as sa', '');
  switch (style) {
    case 0: // alembic revision, Alembic 0.7+
      lines.push('# revision identifiers, used by Alembic.', `revision = ${quote(revision.id, random)}`, `down_revision = ${down}`);
      lines.push(`branch_labels = ${labels}`, `depends_on = ${depends}`);
      break;
    case 1: // Alembic 1.11+ template
      lines.push(`revision: str = ${quote(revision.id, random)}`, `down_revision: Union[str, Sequence[str], None] = ${down}`);
      lines.push(`branch_labels: Union[str, Sequence[str], None] = ${labels}`, `depends_on: Union[str, Sequence[str], None] = ${depends}`);
      break;
    case 2: {
      // dense: one-line tuples and lists, `;` between statements
      const inline = (values: string[]) => (values.length === 0 ? 'None' : tuple(values, random, false, random() < 0.3));
      lines.push(`revision=${quote(revision.id, random)}; down_revision=${inline(revision.parents)}`);
      lines.push(`branch_labels = ${inline(revision.labels)}; depends_on = ${inline(revision.dependsOn)}  # header`);
      break;
    }
      break;
    case 3: // Python-2-era: no branch_labels line unless needed
      lines.push(`revision = u'${revision.id}'`, `down_revision = ${down}`);
      if (revision.labels.length > 0) lines.push(`branch_labels = ${labels}`);
      if (revision.dependsOn.length > 0) lines.push(`depends_on = ${depends}`);
      break;
    case 4: // backslash continuations, reassignment
      lines.push(`revision = \\\n    ${quote(revision.id, random)}`, "down_revision = 'overwritten_below'", `down_revision = \\\n    ${down}`);
      lines.push(`branch_labels = ${labels}`, `depends_on = \\\n  ${depends}`);
      break;
    default: // header after the functions, decoys inside them
      break;
  }
  lines.push('', '');
  lines.push('def upgrade():');
  lines.push("    revision = 'inner_decoy'  # local variable");
  if (body === 'python2') lines.push('    print "upgrading %s" % revision', '    except_ = `revision`');
  else lines.push("    op.execute(\"SELECT 'revision = 1'\") if False else None");
  lines.push('', '', 'def downgrade():', "    x = 1; down_revision = 'inner'", '    pass', '');
  if (style === 5) {
    lines.push(`revision = ${quote(revision.id, random)}`, `down_revision = ${down}`, `branch_labels = ${labels}`, `depends_on = ${depends}`, '');
  }
  const text = lines.join('\n');
  return random() < 0.2 ? text.replace(/\n/g, '\r\n') : text;
}

/** Bytes as the file is stored: Latin-1 when its coding cookie says so. */
export function encodeRevisionFile(text: string): Buffer {
  return Buffer.from(text, /^# -\*- coding: latin-1 -\*-/.test(text) ? 'latin1' : 'utf8');
}
