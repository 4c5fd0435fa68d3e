import { describe, expect, it } from 'vitest';
import {
  isWithinOpeningHours,
  localTime,
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
});
