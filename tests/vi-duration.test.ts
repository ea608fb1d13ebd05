/** Durations (months), days, hours and minimum-wage regions. */
import { describe, expect, it } from 'vitest';
import { findDays, findDurations, parseDays, parseDurationMonths, parseHours } from '../src/knowledge/vi/duration.js';
import { parseRegion } from '../src/knowledge/vi/region.js';
import { normalize } from '../src/knowledge/vi/normalize.js';

describe('durations in months', () => {
  it.each([
    ['5 năm', 60],
    ['3 năm rưỡi', 42],
    ['năm rưỡi', 18],
    ['một năm rưỡi', 18],
    ['nửa năm', 6],
    ['49 tháng', 49],
    ['2 năm 3 tháng', 27],
    ['2 năm và 3 tháng', 27],
    ['1 năm lẻ 2 tháng', 14],
    ['5 năm 2 tháng', 62],
    ['hai năm', 24],
    ['năm năm', 60],
    ['năm năm rưỡi', 66],
    ['tám năm', 96],
    ['mười năm', 120],
    ['hai mươi năm', 240],
    ['ba mươi sáu tháng', 36],
    ['1,5 năm', 18],
    ['1.5 nam', 18],
    ['5 nam', 60],
    ['60 thang', 60],
    ['lam 4nam', 48],
    ['đóng bhtn được 49thang', 49],
    ['gần 3 năm', 36],
    ['hơn 3 năm', 36],
    ['tháng rưỡi', undefined],
    ['1 tháng rưỡi', 1.5],
  ])('%s → %s months', (text, months) => {
    expect(parseDurationMonths(text)).toBe(months);
  });

  it.each(['tháng 5 năm 2024', 'năm 2024', 'ngày 15 tháng 3', 'tháng 7', 'lương 10 triệu', '5 triệu', 'nghỉ 3 ngày', 'nằm viện 3 nằm', 'mấy năm'])(
    '"%s" is not a duration',
    (text) => {
      expect(findDurations(text)).toEqual([]);
    },
  );

  it('marks rough durations', () => {
    expect(findDurations('gần 3 năm')[0]).toMatchObject({ months: 36, approx: true, raw: '3 năm' });
    expect(findDurations('khoảng 18 tháng')[0]).toMatchObject({ months: 18, approx: true });
    expect(findDurations('tầm 2 năm')[0]).toMatchObject({ months: 24, approx: true });
    expect(findDurations('đúng 2 năm')[0]).toMatchObject({ months: 24, approx: false });
    // "tám" (eight) is not "tầm" (about).
    expect(findDurations('tám năm')[0]).toMatchObject({ months: 96, approx: false });
  });

  it('finds each duration with offsets into the normalised text', () => {
    const text = 'Đóng BHTN 12 tháng trong 24 tháng trước khi nghỉ, gần 3 năm';
    const found = findDurations(text);
    expect(found.map((d) => d.months)).toEqual([12, 24, 36]);
    const normal = normalize(text);
    expect(found.map((d) => normal.slice(d.start, d.end))).toEqual(['12 tháng', '24 tháng', '3 năm']);
  });
});

describe('days', () => {
  it.each([
    ['báo trước 45 ngày', 45],
    ['3 ngày làm việc', 3],
    ['bốn mươi lăm ngày', 45],
    ['nửa ngày', 0.5],
    ['trong vòng 30 ngay', 30],
  ])('%s → %d', (text, days) => {
    expect(parseDays(text)).toBe(days);
  });
  it.each(['ngày 15', 'ngày 1/7', '15 tháng', 'hôm nay'])('"%s" has no count of days', (text) => {
    expect(parseDays(text)).toBeUndefined();
  });
  it('tells working days from calendar days', () => {
    expect(findDays('sau 10 ngày làm việc')[0]).toMatchObject({ days: 10, working: true });
    expect(findDays('sau 15 ngày')[0]).toMatchObject({ days: 15, working: false });
  });
});

describe('hours', () => {
  it.each([
    ['tăng ca 40 giờ một tháng', 40],
    ['tăng ca 40 tiếng', 40],
    ['lam them 4h', 4],
    ['4 h mỗi ngày', 4],
    ['2 tiếng rưỡi', 2.5],
    ['2h30', 2.5],
    ['1 tiếng 30 phút', 1.5],
    ['90 phút', 1.5],
    ['bốn tiếng', 4],
    ['60h/tháng', 60],
    ['vào ca lúc 8h sáng, làm thêm 3 tiếng', 3],
  ])('%s → %d', (text, hours) => {
    expect(parseHours(text)).toBe(hours);
  });
  it.each(['hết ca lúc 6h sáng', 'làm từ 7 giờ sáng đến 7 giờ tối', 'mấy giờ', 'tiếng Việt'])('"%s" has no hours of work', (text) => {
    expect(parseHours(text)).toBeUndefined();
  });
});

describe('regions', () => {
  it.each([
    ['vùng 1', 1],
    ['vùng I', 1],
    ['vung ii', 2],
    ['vùng III', 3],
    ['vùng IV', 4],
    ['vùng một', 1],
    ['vung 4', 4],
    ['vung tu', 4],
    ['vùng thứ hai', 2],
    ['Vùng II.', 2],
    ['làm ở Bình Dương vùng 1 thì lương tối thiểu bao nhiêu', 1],
    ['lương tối thiểu v1', 1],
    ['luong toi thieu khu vuc 3', 3],
  ])('%s → %d', (text, region) => {
    expect(parseRegion(text)).toBe(region);
  });
  it.each(['vùng sâu vùng xa', 'vùng', 'vùng 5', 'vùng 12', 'vững 1', 'vùng từ', 'em ở v1', 'khu vực 1'])('"%s" names no region', (text) => {
    expect(parseRegion(text)).toBeUndefined();
  });
});
