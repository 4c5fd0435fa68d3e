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

/**
 * Checks a store's opening hours: at most {@link MAX_OPENING_PERIODS}, `HH:MM` times, `opens`
 * before 24:00, no zero-length period. An empty list means no hours limit (open whenever the owner
 * has the store open). Throws BAD_USER_INPUT naming the first bad field, e.g. `openingHours[2].closes`.
 */
export function validateOpeningHours(
  periods: readonly OpeningPeriod[],
  field = 'openingHours',
): OpeningPeriod[] {
  if (periods.length > MAX_OPENING_PERIODS)
    throw bad(`At most ${MAX_OPENING_PERIODS} opening periods`, field);
  return periods.map((p, i) => {
    if (!WEEKDAYS.includes(p.day))
      throw bad(`day must be one of ${WEEKDAYS.join(', ')}`, `${field}[${i}].day`);
    const opens = minutes(p.opens);
    if (opens === null || opens >= 24 * 60)
      throw bad('opens must be HH:MM (00:00 to 23:59)', `${field}[${i}].opens`);
    const closes = minutes(p.closes);
    if (closes === null) throw bad('closes must be HH:MM (00:00 to 24:00)', `${field}[${i}].closes`);
    if (closes === opens) throw bad('closes must differ from opens', `${field}[${i}].closes`);
    return { day: p.day, opens: p.opens, closes: p.closes };
  });
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
