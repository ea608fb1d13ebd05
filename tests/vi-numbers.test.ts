/** Numbers in digits and words, and amounts of money. */
import { describe, expect, it } from 'vitest';
import { parseNumber, parseNumberWords, parseNumeral } from '../src/knowledge/vi/numbers.js';
import { findMoney, parseMoney } from '../src/knowledge/vi/money.js';
import { fold, normalize } from '../src/knowledge/vi/normalize.js';

describe('number words', () => {
  it.each([
    ['một', 1],
    ['hai', 2],
    ['ba', 3],
    ['bốn', 4],
    ['năm', 5],
    ['sáu', 6],
    ['bảy', 7],
    ['bẩy', 7],
    ['tám', 8],
    ['chín', 9],
    ['mười', 10],
    ['mười một', 11],
    ['mười lăm', 15],
    ['muoi lam', 15],
    ['mười tư', 14],
    ['hai mươi', 20],
    ['hai mươi mốt', 21],
    ['hai mươi tư', 24],
    ['bốn mươi tư', 44],
    ['năm mươi lăm', 55],
    ['chín mươi chín', 99],
    ['hai mốt', 21],
    ['ba lăm', 35],
    ['hai chục', 20],
    ['một trăm', 100],
    ['trăm rưỡi', 150],
    ['ba trăm linh năm', 305],
    ['một trăm lẻ năm', 105],
    ['năm trăm', 500],
    ['hai nghìn không trăm hai mươi tư', 2024],
    ['một triệu hai trăm nghìn', 1_200_000],
    ['hai triệu rưỡi', 2_500_000],
    ['một tỷ', 1e9],
    ['một tỉ hai trăm triệu', 1.2e9],
    ['mot ti hai tram trieu', 1.2e9],
  ])('%s = %d', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it.each(['tầm', 'tạm', 'không', 'triệu', 'hai mươi năm', 'ba năm', 'năm năm', 'hai trăm năm', 'bà', 'từ', 'làm'])(
    '%s is not (only) a number',
    (text) => {
      expect(parseNumber(text)).toBeUndefined();
    },
  );

  it('stops where the number ends and says how many words it took', () => {
    // "năm" after "mươi" is the year, not five: "hai mươi năm" is twenty years.
    expect(parseNumberWords(words('hai muoi nam'))).toEqual({ value: 20, used: 2 });
    expect(parseNumberWords(words('ba nam'))).toEqual({ value: 3, used: 1 });
    expect(parseNumberWords(words('nam nam'))).toEqual({ value: 5, used: 1 });
    expect(parseNumberWords(words('muoi lam trieu dong'))).toEqual({ value: 15_000_000, used: 3 });
    expect(parseNumberWords(words('em nghi hai thang'), 2)).toEqual({ value: 2, used: 1 });
    expect(parseNumberWords(words('em nghi'))).toBeUndefined();
  });

  it('uses how the words were typed to tell "tầm" from "tám"', () => {
    const typed = ['tầm', 'mười'];
    expect(parseNumberWords(typed.map(fold), 0, typed)).toBeUndefined();
    const eight = ['tám', 'mươi'];
    expect(parseNumberWords(eight.map(fold), 0, eight)).toEqual({ value: 80, used: 2 });
  });
});

describe('numerals', () => {
  it.each([
    ['15', 15],
    ['10,5', 10.5],
    ['10.5', 10.5],
    ['10.000.000', 10_000_000],
    ['1.500', 1500],
    ['1,500,000', 1_500_000],
    ['10.000,5', 10000.5],
  ])('%s = %d', (s, value) => {
    expect(parseNumeral(s)).toBe(value);
  });
  it.each(['01/07/2025', '1.2.3', 'abc', ''])('%s is not a numeral', (s) => {
    expect(parseNumeral(s)).toBeUndefined();
  });
});

describe('money', () => {
  it.each([
    ['10 triệu', 10_000_000],
    ['10tr', 10_000_000],
    ['10 tr', 10_000_000],
    ['10tr5', 10_500_000],
    ['10,5 triệu', 10_500_000],
    ['10.5tr', 10_500_000],
    ['10.000.000đ', 10_000_000],
    ['10.000.000 đồng', 10_000_000],
    ['10.000.000 VNĐ', 10_000_000],
    ['10000000', 10_000_000],
    ['12000000 vnd', 12_000_000],
    ['10 000 000 vnd', 10_000_000],
    ['mười lăm triệu', 15_000_000],
    ['muoi lam trieu', 15_000_000],
    ['15 củ', 15_000_000],
    ['15 cu', 15_000_000],
    ['500k', 500_000],
    ['500 nghìn', 500_000],
    ['500 ngàn', 500_000],
    ['năm trăm nghìn', 500_000],
    ['1 tỷ', 1_000_000_000],
    ['1,5 tỷ', 1_500_000_000],
    ['lương 8 triệu 2', 8_200_000],
    ['8tr2', 8_200_000],
    ['tám triệu hai', 8_200_000],
    ['8 triệu 250', 8_250_000],
    ['3 triệu 500 nghìn', 3_500_000],
    ['3tr500k', 3_500_000],
    ['1 tỷ 200 triệu', 1_200_000_000],
    ['2 triệu rưỡi', 2_500_000],
    ['hai triệu rưỡi', 2_500_000],
    ['luong 7 trieu dong', 7_000_000],
    // A tail followed by a unit of time is not part of the amount.
    ['lương 8 triệu 2 năm nay không tăng', 8_000_000],
  ])('%s → %d', (text, value) => {
    expect(parseMoney(text)).toBe(value);
  });

  it.each([
    'năm 2024',
    'đóng 5 năm',
    '49 tháng',
    '5 năm 2 tháng',
    'sdt 0912345678',
    'gọi 0912 345 678',
    '60%',
    'đóng 10,5%',
    'Điều 46',
    'khoản 1 điều 39',
    'ngày 01/07/2025',
    'từ 2019 đến 2024',
    'cccd 001203004567',
    'số bhxh 7912345678',
    'đợi 1 tí',
    'hai nghìn người',
    'tầm mười',
    'vùng 1',
    'tăng ca 8 giờ',
    '35 tuổi',
    '45 ngày',
  ])('"%s" has no money', (text) => {
    expect(findMoney(text)).toEqual([]);
  });

  it('finds every amount, with offsets into the normalised text', () => {
    const text = 'Phụ cấp 500k, LƯƠNG 8 triệu 2 mỗi tháng';
    const found = findMoney(text);
    expect(found.map((m) => m.value)).toEqual([500_000, 8_200_000]);
    const normal = normalize(text);
    expect(found.map((m) => normal.slice(m.start, m.end))).toEqual(['500k', '8 triệu 2']);
    expect(found.map((m) => m.raw)).toEqual(['500k', '8 triệu 2']);
    // The folded form has the same offsets.
    expect(fold(normal).slice(found[1]!.start, found[1]!.end)).toBe('8 trieu 2');
  });

  it('prefers the amount that reads as a wage', () => {
    expect(parseMoney('phụ cấp 500k, lương 8 triệu')).toBe(8_000_000);
    expect(parseMoney('lương 8 triệu, phụ cấp 500k')).toBe(8_000_000);
    expect(parseMoney('được 500k tiền ăn và 9 triệu')).toBe(9_000_000);
    expect(parseMoney('không có số nào')).toBeUndefined();
  });
});

function words(s: string): string[] {
  return s.split(' ');
}
