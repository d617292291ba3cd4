/** China Standard Time is UTC+8 all year (no daylight saving time). */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * The calendar date (`YYYY-MM-DD`) of an instant as seen in China, or `undefined` for an invalid
 * `Date`. Validity dates of divisions and birth dates are Chinese calendar dates, so an instant
 * such as 2021-12-31T20:00:00Z already belongs to 2022-01-01.
 */
export function chinaCalendarDate(at: Date): string | undefined {
  if (!(at instanceof Date)) {
    return undefined;
  }
  const time = at.getTime();
  if (Number.isNaN(time)) {
    return undefined;
  }
  const shifted = new Date(time + CHINA_OFFSET_MS);
  const year = shifted.getUTCFullYear();
  if (year < 0 || year > 9999) {
    return undefined;
  }
  const month = String(shifted.getUTCMonth() + 1).padStart(2, '0');
  const day = String(shifted.getUTCDate()).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${month}-${day}`;
}
