import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRepository, uncommittedMigrationFiles } from '../../../src/core/deploy/check-repository.js';
import { applyForce } from '../../../src/core/deploy/deploy-steps.js';
import type { Finding } from '../../../src/core/findings/findings.js';
import type { Refusal } from '../../../src/core/deploy/types.js';

const finding: Finding = { code: 'checksum-mismatch', exitCode: 1, set: 'db/migrations', file: 'db/migrations/001_a.sql', message: 'db/migrations/001_a.sql changed', fix: 'run guard lock' };

describe('checkRepository (deploy step 1)', () => {
  it('passes a HEAD that matches its lockfile with nothing uncommitted', () => {
    assert.deepEqual(checkRepository({ findings: [], uncommitted: [] }), { ok: true });
  });

  it("refuses a HEAD that does not match its lockfile, with verify's first finding and its fix", () => {
    const decision = checkRepository({ findings: [finding], uncommitted: ['db/migrations/002_b.sql'] });
    assert.deepEqual(decision, { ok: false, code: 'target-integrity', exitCode: 1, message: 'HEAD does not match its lockfile: db/migrations/001_a.sql changed', fix: 'run guard lock' });
  });

  it('refuses uncommitted migrations, naming them', () => {
    const decision = checkRepository({ findings: [], uncommitted: ['db/migrations/002_b.sql', 'checksums.lock.yaml'] });
    assert.equal(decision.ok, false);
    assert.match(!decision.ok ? decision.message : '', /^uncommitted changes under the migration dirs: db\/migrations\/002_b\.sql, checksums\.lock\.yaml$/);
  });
});

describe('uncommittedMigrationFiles', () => {
  const sets = [{ dir: 'db/migrations', candidate: (file: string) => file.endsWith('.sql') }];
  it("counts the lockfile and what could be a set's migration, not a cache or an editor's file beside them", () => {
    assert.deepEqual(
      uncommittedMigrationFiles(['checksums.lock.yaml', 'db/migrations/003_c.sql', 'db/migrations/__pycache__/x.pyc', 'db/migrations/003_c.sql~'], 'checksums.lock.yaml', sets),
      ['checksums.lock.yaml', 'db/migrations/003_c.sql'],
    );
  });
  it('a path under no locked set counts, and a set at the repository root reads paths as they are', () => {
    assert.deepEqual(uncommittedMigrationFiles(['other/x.txt'], 'checksums.lock.yaml', sets), ['other/x.txt']);
    assert.deepEqual(uncommittedMigrationFiles(['001_a.sql', 'notes.txt'], 'checksums.lock.yaml', [{ dir: '.', candidate: (file) => file.endsWith('.sql') }]), ['001_a.sql']);
  });
});

describe('applyForce: the one --force policy', () => {
  const rule: Refusal = { ok: false, code: 'schema-drift', exitCode: 1, message: "production's schema differs", fix: 'guard drift production' };
  const unreadable: Refusal = { ok: false, code: 'predecessor-unread', exitCode: 3, message: 'cannot read staging', fix: 'set its variable' };

  it("turns a rule's refusal into a warning naming the reason, when the step may be overridden", () => {
    assert.deepEqual(applyForce(rule, { reason: 'index added by hand, reviewed' }, true), { stop: false, warning: "--force: production's schema differs (overridden: index added by hand, reviewed)" });
  });

  it('never overrides without --force, a step that may not be, or what could not be read', () => {
    assert.deepEqual(applyForce(rule, undefined, true), { stop: true, refusal: rule });
    assert.deepEqual(applyForce(rule, { reason: 'r' }, false), { stop: true, refusal: rule });
    assert.deepEqual(applyForce(unreadable, { reason: 'r' }, true), { stop: true, refusal: unreadable });
  });
});
