import type pg from 'pg';
import { acquireLock, describeHolder, formatWait, releaseLock } from '../../shell/postgres/advisory-lock.js';
import { waitForMigrationSessions } from '../../shell/postgres/migration-sessions.js';

/**
 * Step 3: the deploy lock, waited for up to --lock-wait and naming its
 * holder; then, within the same wait, the migration sessions a killed guard
 * left connected (the lock is ours, so no guard is deploying here: a second
 * migration never runs beside them).
 */
export async function holdDeployLock(
  database: pg.Client,
  key: bigint,
  environment: string,
  options: { lockWaitMs: number; progress?(step: { step: number; name: string; ok: boolean; detail: string }): void },
): Promise<void> {
  const deadline = performance.now() + options.lockWaitMs;
  await acquireLock(database, key, {
    waitMs: options.lockWaitMs,
    name: `the deploy lock of ${environment}`,
    onWaiting: (holder) => options.progress?.({ step: 3, name: 'lock', ok: true, detail: `waiting for ${describeHolder(holder)}` }),
  });
  try {
    await waitForMigrationSessions(database, {
      environment,
      deadline,
      waited: () => formatWait(options.lockWaitMs),
      onWaiting: (message) => options.progress?.({ step: 3, name: 'lock', ok: true, detail: message }),
    });
  } catch (error) {
    await releaseLock(database, key).catch(() => undefined);
    throw error;
  }
}
