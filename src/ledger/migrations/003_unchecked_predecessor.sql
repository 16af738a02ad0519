-- A deploy that went ahead without the predecessor check (`guard deploy ENV
-- --unchecked-predecessor --reason ...`, the predecessor could not be read):
-- what could not be checked, and why, beside the reason, the actor and the
-- host the row already keeps. `guard status` shows it until the predecessor
-- is readable again. Locked in checksums.lock.yaml: never edit this file
-- once released; add 004_... instead.

ALTER TABLE guard.deployments ADD COLUMN IF NOT EXISTS unchecked_predecessor text;

ALTER TABLE guard.deployments DROP CONSTRAINT IF EXISTS deployments_unchecked_has_reason;
ALTER TABLE guard.deployments ADD CONSTRAINT deployments_unchecked_has_reason
    CHECK (unchecked_predecessor IS NULL OR reason IS NOT NULL);
