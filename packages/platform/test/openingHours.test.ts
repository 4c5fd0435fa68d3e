import { describe, expect, it } from 'vitest';
import {
  isWithinOpeningHours,
  localTime,
  openingHoursProblem,
  type OpeningPeriod,
  validateOpeningHours,
  validateTimeZone,
} from '../src/catalog/openingHours.js';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return (err as { extensions?: { code?: string; field?: string } }).extensions;
  }
};

describe('opening hours', () => {
  // 2026-12-04 is a Friday. 09:30 UTC = 18:30 in Seoul (UTC+9), 10:30 in Berlin (UTC+1).
  const friday0930Utc = new Date('2026-12-04T09:30:00Z');

  it('reads the wall clock of the store’s zone, not the server’s', () => {
    expect(localTime(friday0930Utc, 'Asia/Seoul')).toEqual({ day: 'FRI', minute: 18 * 60 + 30 });
    expect(localTime(friday0930Utc, 'Europe/Berlin')).toEqual({ day: 'FRI', minute: 10 * 60 + 30 });
    const dinner: OpeningPeriod[] = [{ day: 'FRI', opens: '17:00', closes: '22:00' }];
    expect(isWithinOpeningHours(dinner, 'Asia/Seoul', friday0930Utc)).toBe(true);
    expect(isWithinOpeningHours(dinner, 'Europe/Berlin', friday0930Utc)).toBe(false);
  });

  it('opens at `opens` and closes at `closes` (exclusive)', () => {
    const lunch: OpeningPeriod[] = [{ day: 'FRI', opens: '18:30', closes: '18:31' }];
    expect(isWithinOpeningHours(lunch, 'Asia/Seoul', friday0930Utc)).toBe(true);
    expect(isWithinOpeningHours(lunch, 'Asia/Seoul', new Date('2026-12-04T09:31:00Z'))).toBe(false);
    expect(isWithinOpeningHours(lunch, 'Asia/Seoul', new Date('2026-12-04T09:29:59Z'))).toBe(false);
  });

  it('runs a period past midnight into the next day, and 24:00 to the end of the day', () => {
    const late: OpeningPeriod[] = [{ day: 'FRI', opens: '20:00', closes: '02:00' }];
    // Saturday 01:30 in Seoul = Friday 16:30 UTC.
    expect(isWithinOpeningHours(late, 'Asia/Seoul', new Date('2026-12-04T16:30:00Z'))).toBe(true);
    // Saturday 02:00 in Seoul: closed.
    expect(isWithinOpeningHours(late, 'Asia/Seoul', new Date('2026-12-04T17:00:00Z'))).toBe(false);
    // Friday 01:30 in Seoul belongs to Thursday's period, which does not exist.
    expect(isWithinOpeningHours(late, 'Asia/Seoul', new Date('2026-12-03T16:30:00Z'))).toBe(false);
    const allDay: OpeningPeriod[] = [{ day: 'FRI', opens: '00:00', closes: '24:00' }];
    // Friday 23:59 in Seoul.
    expect(isWithinOpeningHours(allDay, 'Asia/Seoul', new Date('2026-12-04T14:59:00Z'))).toBe(true);
  });

  it('has no limit without periods', () => {
    expect(isWithinOpeningHours([], 'Asia/Seoul', friday0930Utc)).toBe(true);
  });

  const refusal = (periods: OpeningPeriod[]) => {
    try {
      validateOpeningHours(periods);
      return 'accepted';
    } catch (err) {
      const e = err as { message: string; extensions?: { code?: string; field?: string } };
      return { message: e.message, ...e.extensions };
    }
  };

  it('refuses overlapping periods of one day, naming the day and both periods', () => {
    expect(
      refusal([
        { day: 'MON', opens: '11:00', closes: '15:00' },
        { day: 'MON', opens: '14:00', closes: '22:00' },
      ]),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'openingHours[1].opens',
      message: 'Opening periods overlap: Monday 11:00–15:00 and Monday 14:00–22:00. Change or merge them.',
    });
    // Listed in the other order, the one that opens inside the other is still the one named.
    expect(
      refusal([
        { day: 'TUE', opens: '14:00', closes: '22:00' },
        { day: 'TUE', opens: '11:00', closes: '15:00' },
      ]),
    ).toMatchObject({ field: 'openingHours[0].opens' });
    // One period inside another.
    expect(
      refusal([
        { day: 'WED', opens: '09:00', closes: '24:00' },
        { day: 'WED', opens: '12:00', closes: '13:00' },
      ]),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'openingHours[1].opens' });
    // A split day touching at 15:00 is fine, and so are the same hours on different days.
    expect(
      refusal([
        { day: 'MON', opens: '11:00', closes: '15:00' },
        { day: 'MON', opens: '15:00', closes: '22:00' },
        { day: 'TUE', opens: '11:00', closes: '15:00' },
      ]),
    ).toBe('accepted');
  });

  it('refuses a period past midnight that overlaps the next day’s first period', () => {
    expect(
      refusal([
        { day: 'FRI', opens: '18:00', closes: '02:00' },
        { day: 'SAT', opens: '01:00', closes: '10:00' },
      ]),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'openingHours[1].opens',
      message:
        'Opening periods overlap: Friday 18:00–02:00 runs past midnight into Saturday 01:00–10:00. Change or merge them.',
    });
    // Sunday night runs into Monday morning of the next week.
    expect(
      refusal([
        { day: 'MON', opens: '00:00', closes: '03:00' },
        { day: 'SUN', opens: '22:00', closes: '01:00' },
      ]),
    ).toMatchObject({
      field: 'openingHours[0].opens',
      message: expect.stringContaining('Sunday 22:00–01:00 runs past midnight into Monday 00:00–03:00'),
    });
    // Closing when the next day's first period opens is fine.
    expect(
      refusal([
        { day: 'FRI', opens: '18:00', closes: '02:00' },
        { day: 'SAT', opens: '02:00', closes: '10:00' },
        { day: 'SUN', opens: '18:00', closes: '24:00' },
        { day: 'MON', opens: '00:00', closes: '03:00' },
      ]),
    ).toBe('accepted');
  });

  it('says in words which day and period has a badly written time', () => {
    expect(
      refusal([
        { day: 'MON', opens: '09:00', closes: '10:00' },
        { day: 'TUE', opens: '09:00', closes: '10:00' },
        { day: 'MON', opens: '9:00', closes: '22:00' },
      ]),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'openingHours[2].opens',
      message:
        'Monday, period 2: enter the opening time as HH:MM from 00:00 to 23:59, e.g. 09:00 (got “9:00”)',
    });
    expect(refusal([{ day: 'SAT', opens: '09:00', closes: '25:00' }])).toMatchObject({
      field: 'openingHours[0].closes',
      message:
        'Saturday, period 1: enter the closing time as HH:MM from 00:00 to 24:00, e.g. 22:00 (got “25:00”)',
    });
    expect(refusal([{ day: 'SUN', opens: '10:00', closes: '10:00' }])).toMatchObject({
      field: 'openingHours[0].closes',
      message: 'Sunday, period 1: the closing time must differ from the opening time',
    });
  });

  it('refuses bad periods and zones naming the field', () => {
    expect(fieldOf(() => validateOpeningHours([{ day: 'MON', opens: '9:00', closes: '10:00' }]))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'openingHours[0].opens',
    });
    expect(
      fieldOf(() => validateOpeningHours([{ day: 'MON', opens: '24:00', closes: '10:00' }])),
    ).toMatchObject({
      field: 'openingHours[0].opens',
    });
    expect(
      fieldOf(() =>
        validateOpeningHours([
          { day: 'MON', opens: '09:00', closes: '10:00' },
          { day: 'TUE', opens: '10:00', closes: '10:00' },
        ]),
      ),
    ).toMatchObject({ field: 'openingHours[1].closes' });
    expect(fieldOf(() => validateOpeningHours([{ day: 'MON', opens: '09:00', closes: '24:00' }]))).toBe(
      'accepted',
    );
    expect(fieldOf(() => validateTimeZone('Asia/Nowhere'))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'timeZone',
    });
    expect(validateTimeZone(' Asia/Seoul ')).toBe('Asia/Seoul');
  });

  it('is one rule for the owner console and the API: the problem the API throws, or null', () => {
    const overlapping: OpeningPeriod[] = [
      { day: 'MON', opens: '11:00', closes: '15:00' },
      { day: 'MON', opens: '14:00', closes: '22:00' },
    ];
    const problem = openingHoursProblem(overlapping);
    expect(problem).toEqual({
      message: 'Opening periods overlap: Monday 11:00–15:00 and Monday 14:00–22:00. Change or merge them.',
      field: 'openingHours[1].opens',
    });
    let thrown: { message?: string; extensions?: { code?: string; field?: string } } = {};
    try {
      validateOpeningHours(overlapping);
    } catch (err) {
      thrown = err as typeof thrown;
    }
    expect(thrown.message).toBe(problem!.message);
    expect(thrown.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: problem!.field });
    expect(openingHoursProblem([{ day: 'MON', opens: '11:00', closes: '15:00' }])).toBeNull();
    expect(openingHoursProblem([])).toBeNull();
  });
});
