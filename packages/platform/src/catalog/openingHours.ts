import { domainError, ErrorCode } from '../errors.js';
import { type OpeningPeriod, openingHoursProblem } from './openingHoursRule.js';

export * from './openingHoursRule.js';

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
 * {@link openingHoursProblem} as the API answers it: BAD_USER_INPUT with the problem's message and
 * `field`. Returns the periods with only their three fields.
 */
export function validateOpeningHours(
  periods: readonly OpeningPeriod[],
  field = 'openingHours',
): OpeningPeriod[] {
  const problem = openingHoursProblem(periods, field);
  if (problem) throw bad(problem.message, problem.field);
  return periods.map((p) => ({ day: p.day, opens: p.opens, closes: p.closes }));
}
