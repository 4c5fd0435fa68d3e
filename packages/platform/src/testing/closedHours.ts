import { localTime, type OpeningPeriod } from '../catalog/openingHours.js';

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Opening hours that keep a store closed for the whole of a test: one minute, twelve hours from
 * now on `timeZone`'s clock (default Asia/Seoul).
 */
export function hoursClosedNow(timeZone = 'Asia/Seoul'): OpeningPeriod[] {
  const { day, minute } = localTime(new Date(Date.now() + 12 * 3600_000), timeZone);
  return [{ day, opens: hhmm(minute), closes: hhmm(minute + 1) }];
}
