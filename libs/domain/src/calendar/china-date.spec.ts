import { chinaCalendarDate } from './china-date';

describe('chinaCalendarDate', () => {
  it.each([
    ['2021-12-31T15:59:59.999Z', '2021-12-31'],
    ['2021-12-31T16:00:00.000Z', '2022-01-01'],
    ['2024-02-29T00:00:00+08:00', '2024-02-29'],
    ['1980-01-01T00:00:00+08:00', '1980-01-01'],
  ])('reads %s as %s in China', (instant, expected) => {
    expect(chinaCalendarDate(new Date(instant))).toBe(expected);
  });

  it('gives undefined for an invalid date or a non-date', () => {
    expect(chinaCalendarDate(new Date('not a date'))).toBeUndefined();
    expect(chinaCalendarDate('2020-01-01' as unknown as Date)).toBeUndefined();
  });
});
