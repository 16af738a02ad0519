import type { NamingScheme, Tool } from './types.js';

/**
 * The version a migration renumbered after `latest` gets, in the set's own
 * scheme, so that it sorts after every existing migration:
 *
 * - sequential `015` after `020` -> `021` (zero padding kept)
 * - timestamp: now (UTC), or one second after `latest` when that is later
 * - hybrid `YYYY_MM_DD_NNN`: today's date, the next counter of the day
 * - Flyway `1.2` -> `1.3`, `7` -> `8`
 *
 * @param now the clock, passed in so the rule stays a pure function
 */
export function nextVersion(tool: Tool, scheme: NamingScheme | undefined, latest: string, now: Date): string {
  if (tool === 'flyway') {
    const parts = latest.split('.');
    parts[parts.length - 1] = String(BigInt(parts.at(-1)!) + 1n);
    return parts.join('.');
  }
  switch (scheme) {
    case 'timestamp': {
      const current = stamp(now);
      const latestMoment = parseStamp(latest);
      if (!latestMoment) return current;
      const after = stamp(new Date(latestMoment.getTime() + 1000));
      return after > current ? after : current;
    }
    case 'hybrid': {
      const [year, month, day, counter] = latest.split('_');
      const today = stamp(now).slice(0, 8);
      const latestDay = `${year}${month}${day}`;
      const width = Math.max(counter?.length ?? 3, 3);
      if (latestDay >= today) return `${year}_${month}_${day}_${String(BigInt(counter ?? '0') + 1n).padStart(width, '0')}`;
      return `${today.slice(0, 4)}_${today.slice(4, 6)}_${today.slice(6, 8)}_${'1'.padStart(width, '0')}`;
    }
    default: {
      const next = String(BigInt(latest) + 1n);
      return latest.startsWith('0') ? next.padStart(latest.length, '0') : next;
    }
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The moment a YYYYMMDDHHMMSS names; undefined when it is not a real one (second 60, month 13). */
function parseStamp(text: string): Date | undefined {
  if (!/^\d{14}$/.test(text)) return undefined;
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(text.slice(at, i === 0 ? 4 : at + 2))) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return stamp(date) === text ? date : undefined;
}
