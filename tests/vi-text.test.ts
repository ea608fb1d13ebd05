/** Vietnamese text handling: normalisation, analysis, numbers, money, durations, regions, redaction. */
import { describe, expect, it } from 'vitest';
import { fold, hasDiacritics, normalize } from '../src/knowledge/vi/normalize.js';
import { analyze, analyzeForIndex, syllableNgrams } from '../src/knowledge/vi/analyze.js';
import { findMoney, parseMoney } from '../src/knowledge/vi/money.js';
import { findDurations, parseDays, parseDurationMonths, parseHours } from '../src/knowledge/vi/duration.js';
import { parseRegion } from '../src/knowledge/vi/region.js';
import { redactDeep, redactPII } from '../src/privacy/redact.js';

describe('normalisation', () => {
  it('composes, lowercases, drops punctuation but keeps number separators', () => {
    expect(normalize('Tro\u0300 ca\u0302\u0301p THẤT NGHIỆP??')).toBe('trò cấp thất nghiệp');
    expect(normalize('Lương 10.000.000đ, 10,5 triệu.')).toBe('lương 10.000.000đ 10,5 triệu');
  });
  it('moves old-style tone marks to the modern place', () => {
    expect(normalize('hòa giải, thủy sản')).toBe(normalize('hoà giải, thuỷ sản'));
  });
  it('folds diacritics and đ', () => {
    expect(fold('trợ cấp thất nghiệp đóng')).toBe('tro cap that nghiep dong');
    expect(hasDiacritics('tro cap')).toBe(false);
    expect(hasDiacritics('đóng')).toBe(true);
  });
});

describe('analysis', () => {
  it('meets diacritic, abbreviated and teen-code questions in the same terms', () => {
    const formal = analyze('Em nghỉ việc rồi có được hưởng trợ cấp thất nghiệp không ạ?');
    const sloppy = analyze('e nghi viec r co dc huong tctn ko ad');
    expect(sloppy).toEqual(formal);
  });
  it('expands abbreviations without losing their syllables to stopwords', () => {
    expect(analyze('cty ko đóng bhxh')).toEqual(['cong', 'ty', 'khong', 'dong', 'bao', 'hiem', 'xa', 'hoi']);
    expect(analyze('hdld 2 nam')).toEqual(['hop', 'dong', 'lao', 'dong', '2', 'nam']);
  });
  it('fixes common typos of domain words', () => {
    expect(analyze('tro cap that nghep')).toEqual(analyze('trợ cấp thất nghiệp'));
    expect(analyze('luog thang')).toEqual(['luong', 'thang']);
  });
  it('builds syllable bigrams', () => {
    expect(syllableNgrams(['that', 'nghiep', 'la'], 2)).toEqual(['that_nghiep', 'nghiep_la']);
    expect(analyzeForIndex('thất nghiệp')).toEqual(['that', 'nghiep', 'that_nghiep']);
  });
});

describe('money', () => {
  it.each([
    ['lương 10 triệu', 10_000_000],
    ['10tr', 10_000_000],
    ['10 tr', 10_000_000],
    ['10tr5', 10_500_000],
    ['10,5 triệu', 10_500_000],
    ['10.5tr', 10_500_000],
    ['10.000.000đ', 10_000_000],
    ['10.000.000 đồng', 10_000_000],
    ['12000000 vnd', 12_000_000],
    ['mười lăm triệu', 15_000_000],
    ['muoi lam trieu', 15_000_000],
    ['15 củ', 15_000_000],
    ['500k', 500_000],
    ['500 nghìn', 500_000],
    ['lương 8 triệu 2', 8_200_000],
    ['1 tỷ', 1_000_000_000],
  ])('%s → %d', (text, value) => {
    expect(parseMoney(text)).toBe(value);
  });
  it.each(['năm 2024', 'đóng 5 năm', '49 tháng', 'sdt 0912345678', '60%', 'Điều 46'])('"%s" is not money', (text) => {
    expect(findMoney(text)).toEqual([]);
  });
});

describe('durations', () => {
  it.each([
    ['5 năm', 60],
    ['3 năm rưỡi', 42],
    ['năm rưỡi', 18],
    ['49 tháng', 49],
    ['2 năm 3 tháng', 27],
    ['hai năm', 24],
    ['năm năm', 60],
    ['1,5 năm', 18],
    ['5 nam', 60],
    ['60 thang', 60],
    ['lam 4nam', 48],
  ])('%s → %d months', (text, months) => {
    expect(parseDurationMonths(text)).toBe(months);
  });
  it('marks approximate durations', () => {
    expect(findDurations('gần 3 năm')[0]).toMatchObject({ months: 36, approx: true });
  });
  it('reads days and hours', () => {
    expect(parseDays('báo trước 45 ngày')).toBe(45);
    expect(parseHours('tăng ca 40 tiếng')).toBe(40);
    expect(parseHours('lam them 4h')).toBe(4);
  });
  it('does not take money for a duration', () => {
    expect(findDurations('lương 10 triệu')).toEqual([]);
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
  ])('%s → %d', (text, region) => {
    expect(parseRegion(text)).toBe(region);
  });
  it('needs a number', () => {
    expect(parseRegion('vùng sâu vùng xa')).toBeUndefined();
  });
});

describe('redaction of personal data', () => {
  it.each([
    ['sdt em 0912 345 678 nhé', 'sdt em [SĐT] nhé'],
    ['gọi +84912345678', 'gọi [SĐT]'],
    ['CCCD 001203004567', 'CCCD [SỐ GIẤY TỜ]'],
    ['số bhxh 7912345678', 'số bhxh [SỐ GIẤY TỜ]'],
    ['email an.nguyen@gmail.com', 'email [EMAIL]'],
    ['stk 0123456789 vietcombank', 'stk [STK] vietcombank'],
    ['tên em là Nguyễn Văn An, công ty nợ lương', 'tên em là [TÊN], công ty nợ lương'],
    ['nhà em ở 12 Lê Lợi, quận 1. Cty nợ lương', 'nhà em ở [ĐỊA CHỈ]. Cty nợ lương'],
  ])('%s', (text, expected) => {
    expect(redactPII(text)).toBe(expected);
  });
  it.each(['lương 10.000.000đ đóng 5 năm từ 2019', 'Điều 46 khoản 1', '15 triệu, 49 tháng', 'ngày 01/07/2025'])('leaves "%s" alone', (text) => {
    expect(redactPII(text)).toBe(text);
  });
  it('redacts inside objects', () => {
    expect(redactDeep({ a: ['0912345678'], b: { c: 'ok' } })).toEqual({ a: ['[SĐT]'], b: { c: 'ok' } });
  });
});
