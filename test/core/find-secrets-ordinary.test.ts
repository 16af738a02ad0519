import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSecrets } from '../../src/core/secrets/find-secrets.js';

// Ordinary migrations that talk about passwords without holding one: the
// shapes of the public projects guard is tried on (Prisma, Supabase-style
// plain SQL, Alembic, Django, Rails), the migration tools' instruction
// comments, and the password plumbing every schema has. None is a finding.

const FIXTURES: Array<{ name: string; file: string; text: string }> = [
  {
    name: 'Prisma: quoted identifiers named password, enums, DO blocks',
    file: 'packages/prisma/migrations/20240205120648_create_delete_account/migration.sql',
    text: `-- CreateEnum
CREATE TYPE "UserSecurityAuditLogType" AS ENUM ('ACCOUNT_PROFILE_UPDATE', 'PASSWORD_RESET', 'PASSWORD_UPDATE', 'SIGN_IN_FAIL');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "password" TEXT,
    "twoFactorSecret" TEXT,
    "clientSecret" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

/*
  Warnings:
  - You are about to drop the column \`password\` on the \`DocumentMeta\` table. All the data in the column will be lost.
*/
ALTER TABLE "DocumentMeta" DROP COLUMN "password";
ALTER TABLE "Account" ADD COLUMN     "password" TEXT;
CREATE UNIQUE INDEX "PasswordResetToken_token_key" ON "PasswordResetToken"("token");
ALTER TABLE "PasswordResetToken" ADD CONSTRAINT "PasswordResetToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE;

-- Create deleted@example.com
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "public"."User" WHERE "email" = 'deleted-account@example.com') THEN
    INSERT INTO "public"."User" ("email", "password", "roles")
    VALUES ('deleted-account@example.com', NULL, ARRAY['USER'::TEXT]::"public"."Role" []);
  END IF;
END $$
`,
  },
  {
    name: 'Supabase-style plain SQL: secret columns, notify triggers',
    file: 'migrations/multitenant/0008-tenants-s3-credentials.sql',
    text: `CREATE TABLE IF NOT EXISTS tenants (
  id text PRIMARY KEY,
  jwt_secret text NOT NULL,
  service_key text NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants_s3_credentials (
    id UUID PRIMARY KEY default gen_random_uuid(),
    access_key text NOT NULL,
    secret_key text NOT NULL
);
CREATE OR REPLACE FUNCTION tenants_s3_credentials_update_notify_trigger ()
    RETURNS TRIGGER
AS $$
BEGIN
    PERFORM
        pg_notify('tenants_s3_credentials_update', '"' || NEW.id || ':' || NEW.access_key || '"');
    RETURN NULL;
END;
$$
    LANGUAGE plpgsql;
`,
  },
  {
    name: 'roles without a password, placeholders, psql variables',
    file: 'db/migrations/V12__roles.sql',
    text: `CREATE ROLE readonly NOLOGIN;
CREATE ROLE reporting WITH LOGIN PASSWORD NULL CONNECTION LIMIT 5;
ALTER ROLE legacy PASSWORD NULL;
ALTER ROLE legacy WITH PASSWORD
  NULL;
CREATE ROLE \${app_user} LOGIN PASSWORD '\${app_password}';
ALTER ROLE app PASSWORD :'app_password';
ALTER ROLE app PASSWORD :app_password;
ALTER ROLE app VALID UNTIL 'infinity';
ALTER SYSTEM SET password_encryption = 'scram-sha-256';
SET password_encryption = 'scram-sha-256';
CREATE USER MAPPING FOR app SERVER legacy OPTIONS (user 'legacy_app', password '\${legacy_password}');
CREATE USER MAPPING FOR app SERVER legacy
  OPTIONS (user 'legacy_app', password_required 'false');
SELECT rolname FROM pg_authid WHERE rolpassword IS NULL;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO readonly;
`,
  },
  {
    name: 'tables, data migrations on password_hash, COMMENT ON',
    file: 'db/migrations/0042_users.sql',
    text: `CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    login text NOT NULL,
    password text CHECK (password <> ''),
    password_hash text NOT NULL DEFAULT '',
    password_changed_at timestamptz,
    password_reset_token text DEFAULT encode(gen_random_bytes(32), 'hex'),
    settings jsonb NOT NULL DEFAULT '{"password_min_length": 12, "password": null}'
);
COMMENT ON COLUMN users.password IS 'deprecated: use password_hash';
COMMENT ON COLUMN users.password_hash IS 'bcrypt hash; the password itself is never stored';
COMMENT ON TABLE users IS
  'Accounts. Set a password with set_password(login, password)';
INSERT INTO settings (key, value) VALUES ('password_min_length', '12'), ('password_policy', 'strong');
UPDATE users SET password_hash = crypt(password, gen_salt('bf')) WHERE password IS NOT NULL;
UPDATE users SET password = NULL WHERE password_hash <> '';
UPDATE users SET password = '' WHERE login = 'system';
UPDATE users SET password_hash = crypt(:'initial_password', gen_salt('bf', 12)) WHERE login = 'admin';
SELECT count(*) FROM users WHERE password_hash = crypt('', password_hash);
ALTER TABLE users RENAME COLUMN password TO legacy_password;
ALTER TABLE users ALTER COLUMN password_hash SET DEFAULT '';
`,
  },
  {
    name: 'functions and triggers with password variables in dollar-quoted bodies',
    file: 'db/migrations/0043_password_functions.sql',
    text: `CREATE OR REPLACE FUNCTION set_password(p_login text, p_password text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
  v_password text := p_password;
  v_min_length int := current_setting('app.password_min_length')::int;
BEGIN
  IF length(v_password) < v_min_length THEN
    RAISE EXCEPTION 'password too short: % characters', length(v_password);
  END IF;
  UPDATE users SET password_hash = crypt(v_password, gen_salt('bf')), password_changed_at = now()
   WHERE login = p_login;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
  EXECUTE 'ALTER ROLE ' || quote_ident(p_login) || ' PASSWORD ' || quote_literal(p_password);
END
$fn$;
COMMENT ON FUNCTION set_password(text, text) IS 'Sets the password: pass it as $2, never in a migration';

CREATE FUNCTION check_password(p_login text, p_password text) RETURNS boolean AS $$
  SELECT password_hash = crypt(p_password, password_hash) FROM users WHERE login = p_login;
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION hash_password() RETURNS trigger AS $$
BEGIN
  IF NEW.password IS NOT NULL THEN
    NEW.password := crypt(NEW.password, gen_salt('bf'));
    NEW.password_changed_at := now();
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER users_hash_password BEFORE INSERT OR UPDATE OF password ON users
  FOR EACH ROW EXECUTE FUNCTION hash_password();
`,
  },
  {
    name: 'a psql script: \\password prompts, \\set of ordinary variables',
    file: 'db/scripts/0044_setup.psql',
    text: `\\set ON_ERROR_STOP on
\\set schema app
\\connect app
\\echo 'set the password with \\\\password, never here'
\\password app
CREATE SCHEMA IF NOT EXISTS :"schema";
`,
  },
  {
    name: 'instruction comments of migration tools',
    file: 'db/migrations/20260101000000_tools.sql',
    text: `-- migrate:up
-- +goose Up
-- +goose StatementBegin
-- +migrate Up
--! Previous: sha1:2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
--! Hash: sha1:de9f2c7fd25e1b3afad3e85a0bd17d9b100db4b3
--liquibase formatted sql
--changeset alice:1 labels:roles context:prod
--comment: role for the app; password set by ops
-- Rows are identified by their natural key; tenants identified by slug.
CREATE ROLE app LOGIN; -- password: see the vault
--rollback DROP ROLE app;
-- +goose StatementEnd
-- migrate:down
-- +goose Down
-- +migrate Down
DROP ROLE app;
`,
  },
  {
    name: 'Alembic: password columns, bind parameters, environment variables, templates',
    file: 'alembic/versions/ae1027a6acf_add_users.py',
    text: `"""add users and api tokens

Users are identified by email; the user identified by id 1 is the owner.

Revision ID: ae1027a6acf
Revises: 1975ea83b712
Create Date: 2026-01-15 12:00:00.123456

"""
import os

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'ae1027a6acf'
down_revision = '1975ea83b712'
branch_labels = None
depends_on = None

# the app role's password is read from APP_PASSWORD (never written here)
DEFAULT_PASSWORD = None
APP_ROLE = "app"

# sha256 of the seed file: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
SEED_DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def upgrade():
    op.create_table(
        'users',
        sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text('gen_random_uuid()')),
        sa.Column('email', sa.String(320), nullable=False, unique=True),
        sa.Column('password_hash', sa.String(128), nullable=False),
        sa.Column('password_changed_at', sa.DateTime(timezone=True)),
        sa.Column('timezone', sa.String(64), server_default='Asia/Tokyo'),
        sa.Column('settings', postgresql.JSONB, server_default=sa.text("'{}'::jsonb")),
    )
    op.add_column('users', sa.Column('password', sa.String(255), nullable=True))
    op.alter_column('users', 'password', new_column_name='legacy_password')
    op.create_table(
        'api_tokens',
        sa.Column('token', sa.String(64), nullable=False),
        sa.Column('token_type', sa.String(16), server_default='bearer'),
        sa.Column('secret_hash', sa.LargeBinary),
        sa.Column('psk', sa.String(length=255), nullable=False),
        sa.Column('auth_mode', sa.Enum('psk', 'certs', name='auth_modes')),
    )
    op.create_index('ix_api_tokens_token', 'api_tokens', ['token'], unique=True)
    op.create_check_constraint('ck_password_len', 'users', 'char_length(password_hash) >= 60')
    columns = {'password': 'VARCHAR(128)', 'email': 'TEXT'}
    password_column = 'password_hash'
    PASSWORD_FIELD = 'pw'
    url = os.environ['DATABASE_URL']
    dsn = context.config.get_main_option('sqlalchemy.url')
    op.execute("COMMENT ON COLUMN users.password_hash IS 'bcrypt, cost 12; never the password'")
    op.execute(sa.text("UPDATE users SET password_hash = :hash WHERE id = :id").bindparams(hash=h, id=i))
    op.bulk_insert(
        sa.table('feature_flags', sa.column('id'), sa.column('key'), sa.column('digest')),
        [
            {'id': '3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'key': 'password_reset_v2', 'digest': 'd41d8cd98f00b204e9800998ecf8427e'},
            {'id': '6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'key': 'token_rotation', 'digest': 'da39a3ee5e6b4b0d3255bfef95601890afd80709'},
        ],
    )
    op.execute("UPDATE users SET password = NULL")
    op.execute(sa.text("UPDATE users SET password_hash = :h WHERE id = :id").bindparams(h=hash_, id=1))
    op.execute("ALTER ROLE app PASSWORD %(pw)s", {"pw": os.environ["APP_PASSWORD"]})
    op.execute(f"ALTER ROLE {APP_ROLE} PASSWORD NULL")
    password = os.environ.get("APP_PASSWORD")
    op.execute(f"ALTER ROLE {APP_ROLE} PASSWORD '{password}'")
    op.execute(f"ALTER ROLE app PASSWORD '{os.environ['APP_PASSWORD']}'")
    op.execute("ALTER ROLE app PASSWORD '{}'".format(os.environ["APP_PASSWORD"]))
    op.execute("ALTER ROLE app PASSWORD '%s'" % password)
    op.execute("ALTER ROLE app PASSWORD '" + password + "'")
    conn = op.get_bind()
    conn.execute(sa.text("SELECT password_hash FROM users WHERE id = :id"), {"id": 1})
    if password == "hunter22":
        raise RuntimeError("refusing the default password")
    kwargs = dict(password=getpass.getpass(), user=APP_ROLE)


def downgrade():
    op.drop_table('api_tokens')
    op.drop_column('users', 'password')
    op.drop_table('users')
`,
  },
  {
    name: 'plain SQL: roles, placeholders, hashes, encoded data',
    file: 'db/V12__roles_and_audit.sql',
    text: `-- V12__roles_and_audit.sql
-- See https://www.postgresql.org/docs/current/sql-createrole.html
-- Connection for the app: postgres://app@localhost/app (password from the vault)
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE ROLE readonly NOLOGIN;
CREATE ROLE \${app_user} LOGIN PASSWORD '\${app_password}';
ALTER ROLE legacy PASSWORD NULL;
GRANT SELECT ON ALL TABLES IN SCHEMA \${schema} TO readonly;
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    password text,
    password_hash text CHECK (char_length(password_hash) = 60),
    api_key_sha256 bytea
);
COMMENT ON COLUMN users.password IS 'deprecated; use password_hash';
INSERT INTO settings (key, value) VALUES ('password_min_length', '12'), ('token_ttl', '3600');
INSERT INTO users (id, email, password_hash) VALUES
  ('0f8fad5b-d9cb-469f-a165-70867728950e', 'ops@example.com', '$2b$12$KIXQJ5Vv1cZ8kQ0yq3p6UuQw6Yp0yN8s9mQe2r7sT4uV5wX6yZ7aO');
UPDATE users SET password = NULL WHERE password_hash IS NOT NULL;
UPDATE users SET password_hash = crypt(password, gen_salt('bf')) WHERE password IS NOT NULL;
CREATE INDEX ix_users_email_lower ON users (lower(email));
-- checksum 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
INSERT INTO assets (name, data) VALUES ('logo.png', decode('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGXRFWHRTb2Z0d2FyZQBBZG9iZSBJbWFnZVJlYWR5ccllPAAAAK5JREFUeNpi/P//PwMlgAUcRgxgDP////8/g5GRkYGBgYEB', 'base64'));
SELECT set_config('app.tenant', 'acme', false);
`,
  },
  {
    name: 'Flyway data fix: a DO block reading the password from a setting',
    file: 'db/V2026.01.15.1__data_fix.sql',
    text: `-- V2026.01.15.1__data_fix.sql
DO $$
DECLARE
  v_password text := current_setting('app.seed_password', true);
BEGIN
  IF v_password IS NULL THEN
    RAISE NOTICE 'no seed password; skipping';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', 'app', v_password);
END $$;
CREATE FOREIGN TABLE legacy_users (id int, login text, password text) SERVER legacy OPTIONS (table_name 'users');
CREATE USER MAPPING FOR app SERVER legacy OPTIONS (user 'legacy_app', password '\${legacy_password}');
`,
  },
  {
    name: 'Django: password fields, unusable passwords, validators',
    file: 'hc/accounts/migrations/0001_initial.py',
    text: `from django.db import migrations, models


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.filter(password="").update(password="!")
    User.objects.filter(is_active=False).update(password=make_password(None))


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.CreateModel(
            name="Profile",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("password", models.CharField(max_length=128, verbose_name="password")),
                ("api_token", models.CharField(blank=True, max_length=128)),
                ("totp_secret", models.CharField(blank=True, max_length=32, null=True)),
            ],
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunSQL("UPDATE accounts_profile SET totp_secret = NULL", reverse_sql=migrations.RunSQL.noop),
    ]

AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
`,
  },
  {
    name: 'Rails: Devise columns',
    file: 'core/db/migrate/20160101010000_solidus_one_four.rb',
    text: `class SolidusOneFour < ActiveRecord::Migration[5.0]
  def up
    create_table "spree_users", force: :cascade do |t|
      t.string "encrypted_password", limit: 128
      t.string "password_salt", limit: 128
      t.string "spree_api_key", limit: 48
      t.string :reset_password_token
    end
    add_column :spree_users, :api_key, :string, limit: 40
    User.where(password: nil).update_all(password_salt: nil)
  end
end
`,
  },
];

describe('findSecrets: ordinary migrations are no findings', () => {
  for (const fixture of FIXTURES) {
    it(fixture.name, async () => {
      assert.deepEqual(await findSecrets(fixture.text, fixture.file), []);
    });
  }

  it('a large data migration stays fast', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `  (${i}, 'user${i}@example.com', '$2b$12$${String(i).padStart(53, 'x')}', E'line\\n${i}', $$note ${i}$$)`);
    const text = `INSERT INTO users (id, email, password_hash, bio, note) VALUES\n${rows.join(',\n')};\n`;
    const started = performance.now();
    assert.deepEqual(await findSecrets(text, 'db/migrations/0050_seed.sql'), []);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3000, `${text.length} characters took ${Math.round(elapsed)} ms`);
  });
});
