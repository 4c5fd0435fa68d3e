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

/** What is wrong with a list of opening hours: the owner-facing message and the field it is about. */
export interface OpeningHoursProblem {
  message: string;
  /** e.g. `openingHours[2].closes` */
  field: string;
}

/**
 * Checks a store's opening hours: at most {@link MAX_OPENING_PERIODS}, `HH:MM` times, `opens`
 * before 24:00, no zero-length period, and no two periods overlapping (a period past midnight
 * included, into the next day's, Sunday's into Monday's). An empty list means no hours limit (open
 * whenever the owner has the store open). Returns the first problem, naming the bad field (e.g.
 * `openingHours[2].closes`) with a message naming the weekday and period as the owner sees them,
 * or null. Free of imports, so the owner console runs the same rule before it sends the hours
 * (the store context's `validateOpeningHours` throws it as BAD_USER_INPUT).
 */
export function openingHoursProblem(
  periods: readonly OpeningPeriod[],
  field = 'openingHours',
): OpeningHoursProblem | null {
  if (periods.length > MAX_OPENING_PERIODS)
    return { message: `A store can list at most ${MAX_OPENING_PERIODS} opening periods a week`, field };
  // The owner console lists each day's periods in the order given, so "Monday, period 2" is the
  // second Monday row they see, not the second entry of the list.
  const perDay = new Map<string, number>();
  const spans: { start: number; end: number }[] = [];
  for (const [i, p] of periods.entries()) {
    if (!WEEKDAYS.includes(p.day))
      return {
        message: `Period ${i + 1} has an unknown day; use one of ${WEEKDAYS.map((d) => DAY_NAMES[d]).join(', ')}`,
        field: `${field}[${i}].day`,
      };
    const nth = (perDay.get(p.day) ?? 0) + 1;
    perDay.set(p.day, nth);
    const where = `${DAY_NAMES[p.day]}, period ${nth}`;
    const opens = minutes(p.opens);
    if (opens === null || opens >= DAY)
      return {
        message: `${where}: enter the opening time as HH:MM from 00:00 to 23:59, e.g. 09:00 (got “${p.opens}”)`,
        field: `${field}[${i}].opens`,
      };
    const closes = minutes(p.closes);
    if (closes === null)
      return {
        message: `${where}: enter the closing time as HH:MM from 00:00 to 24:00, e.g. 22:00 (got “${p.closes}”)`,
        field: `${field}[${i}].closes`,
      };
    if (closes === opens)
      return {
        message: `${where}: the closing time must differ from the opening time`,
        field: `${field}[${i}].closes`,
      };
    const start = WEEKDAYS.indexOf(p.day) * DAY + opens;
    // Not after `opens`: runs past midnight, so it ends on the next day's clock.
    spans.push({ start, end: start + ((closes - opens + DAY) % DAY) });
  }
  for (let j = 1; j < periods.length; j++)
    for (let i = 0; i < j; i++) {
      const inside = overlapping(spans[i]!, spans[j]!);
      if (inside === null) continue;
      const [first, second] = inside === 'second' ? [i, j] : [j, i];
      const a = periods[first]!;
      const b = periods[second]!;
      const pastMidnight = a.day !== b.day && minutes(a.closes)! <= minutes(a.opens)!;
      return {
        message:
          `Opening periods overlap: ${DAY_NAMES[a.day]} ${a.opens}–${a.closes} ` +
          `${pastMidnight ? 'runs past midnight into' : 'and'} ${DAY_NAMES[b.day]} ${b.opens}–${b.closes}. ` +
          'Change or merge them.',
        field: `${field}[${second}].opens`,
      };
    }
  return null;
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
