import { domainError, ErrorCode } from '../errors.js';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * One opening period in the store's own time zone. `closes` not after `opens` means the period runs
 * past midnight into the next day (`FRI 18:00–02:00` is open Saturday 01:30). `closes` may be
 * `24:00`.
 */
export interface OpeningPeriod {
  day: Weekday;
  /** `HH:MM`, 00:00 to 23:59. */
  opens: string;
  /** `HH:MM`, 00:00 to 24:00. */
  closes: string;
}

/** Time zone of a store that does not name one. */
export const DEFAULT_TIME_ZONE = 'Asia/Seoul';
/** Most periods a store may list (a few per day). */
export const MAX_OPENING_PERIODS = 28;

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutes(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  if (!m) return null;
  const value = Number(m[1]) * 60 + Number(m[2]);
  return value > 24 * 60 ? null : value;
}

const bad = (message: string, field: string) => domainError(ErrorCode.BAD_USER_INPUT, message, { field });

/** An IANA zone name the runtime knows (e.g. `Asia/Seoul`); BAD_USER_INPUT on `field` otherwise. */
export function validateTimeZone(zone: string, field = 'timeZone'): string {
  const trimmed = zone.trim();
  try {
    if (!trimmed) throw new RangeError('empty');
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    throw bad(`${zone} is not a known time zone (use an IANA name such as Asia/Seoul)`, field);
  }
}

const DAY_NAMES: Record<Weekday, string> = {
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
};

const DAY = 24 * 60;
const WEEK = 7 * DAY;

/**
 * Checks a store's opening hours: at most {@link MAX_OPENING_PERIODS}, `HH:MM` times, `opens`
 * before 24:00, no zero-length period, and no two periods overlapping (a period past midnight
 * included, into the next day's, Sunday's into Monday's). An empty list means no hours limit (open
 * whenever the owner has the store open). Throws BAD_USER_INPUT naming the first bad field, e.g.
 * `openingHours[2].closes`, with a message naming the weekday and period as the owner sees them.
 */
export function validateOpeningHours(
  periods: readonly OpeningPeriod[],
  field = 'openingHours',
): OpeningPeriod[] {
  if (periods.length > MAX_OPENING_PERIODS)
    throw bad(`A store can list at most ${MAX_OPENING_PERIODS} opening periods a week`, field);
  // The owner console lists each day's periods in the order given, so "Monday, period 2" is the
  // second Monday row they see, not the second entry of the list.
  const perDay = new Map<string, number>();
  const spans: { start: number; end: number }[] = [];
  const valid = periods.map((p, i) => {
    if (!WEEKDAYS.includes(p.day))
      throw bad(
        `Period ${i + 1} has an unknown day; use one of ${WEEKDAYS.map((d) => DAY_NAMES[d]).join(', ')}`,
        `${field}[${i}].day`,
      );
    const nth = (perDay.get(p.day) ?? 0) + 1;
    perDay.set(p.day, nth);
    const where = `${DAY_NAMES[p.day]}, period ${nth}`;
    const opens = minutes(p.opens);
    if (opens === null || opens >= DAY)
      throw bad(
        `${where}: enter the opening time as HH:MM from 00:00 to 23:59, e.g. 09:00 (got “${p.opens}”)`,
        `${field}[${i}].opens`,
      );
    const closes = minutes(p.closes);
    if (closes === null)
      throw bad(
        `${where}: enter the closing time as HH:MM from 00:00 to 24:00, e.g. 22:00 (got “${p.closes}”)`,
        `${field}[${i}].closes`,
      );
    if (closes === opens)
      throw bad(`${where}: the closing time must differ from the opening time`, `${field}[${i}].closes`);
    const start = WEEKDAYS.indexOf(p.day) * DAY + opens;
    // Not after `opens`: runs past midnight, so it ends on the next day's clock.
    spans.push({ start, end: start + ((closes - opens + DAY) % DAY) });
    return { day: p.day, opens: p.opens, closes: p.closes };
  });
  for (let j = 1; j < valid.length; j++)
    for (let i = 0; i < j; i++) {
      const inside = overlapping(spans[i]!, spans[j]!);
      if (inside === null) continue;
      const [first, second] = inside === 'second' ? [i, j] : [j, i];
      const a = valid[first]!;
      const b = valid[second]!;
      const pastMidnight = a.day !== b.day && minutes(a.closes)! <= minutes(a.opens)!;
      throw bad(
        `Opening periods overlap: ${DAY_NAMES[a.day]} ${a.opens}–${a.closes} ` +
          `${pastMidnight ? 'runs past midnight into' : 'and'} ${DAY_NAMES[b.day]} ${b.opens}–${b.closes}. ` +
          'Change or merge them.',
        `${field}[${second}].opens`,
      );
    }
  return valid;
}

/**
 * Whether two spans of the week (minutes from Monday 00:00, `end` past {@link WEEK} for Sunday
 * past midnight) share a minute; which one opens inside the other, or null. Touching ends
 * (11:00–15:00 then 15:00–22:00) do not overlap.
 */
function overlapping(
  a: { start: number; end: number },
  b: { start: number; end: number },
): 'first' | 'second' | null {
  // The week wraps: Sunday 22:00–02:00 meets Monday 01:00 one week on.
  for (const shift of [-WEEK, 0, WEEK]) {
    const bs = b.start + shift;
    const be = b.end + shift;
    if (bs < a.end && a.start < be) return bs >= a.start ? 'second' : 'first';
  }
  return null;
}

/** Weekday and minute of the day at `now` on the wall clock of `timeZone`. */
export function localTime(now: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').toUpperCase().slice(0, 3) as Weekday;
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/**
 * Whether `now` falls in one of the periods, on the store's wall clock. An empty list has no
 * limit. A zone the runtime does not know counts as the default zone (it was validated when saved).
 */
export function isWithinOpeningHours(
  periods: readonly OpeningPeriod[],
  timeZone: string,
  now: Date,
): boolean {
  if (periods.length === 0) return true;
  let local: { day: Weekday; minute: number };
  try {
    local = localTime(now, timeZone);
  } catch {
    local = localTime(now, DEFAULT_TIME_ZONE);
  }
  const today = WEEKDAYS.indexOf(local.day);
  const yesterday = WEEKDAYS[(today + 6) % 7];
  return periods.some((p) => {
    const opens = minutes(p.opens);
    const closes = minutes(p.closes);
    if (opens === null || closes === null) return false;
    if (opens < closes) return p.day === local.day && local.minute >= opens && local.minute < closes;
    // Past midnight: the evening part today, the early-morning part on the next day.
    return (p.day === local.day && local.minute >= opens) || (p.day === yesterday && local.minute < closes);
  });
}
