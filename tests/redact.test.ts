/** Personal data out of logs: what goes, and what must stay. */
import { describe, expect, it } from 'vitest';
import { containsPII, redactDeep, redactPII } from '../src/privacy/redact.js';

describe('redactPII replaces personal data', () => {
  it.each([
    // Phones
    ['sdt em 0912 345 678 nhé', 'sdt em [SĐT] nhé'],
    ['0912345678', '[SĐT]'],
    ['gọi 0912.345.678 giúp em', 'gọi [SĐT] giúp em'],
    ['0912-345-678 lương 15 triệu', '[SĐT] lương 15 triệu'],
    ['gọi +84912345678', 'gọi [SĐT]'],
    ['(+84) 912 345 678', '[SĐT]'],
    ['84912345678 nhé', '[SĐT] nhé'],
    ['zalo 0387654321', 'zalo [SĐT]'],
    ['số bàn (024) 3825 1234', 'số bàn [SĐT]'],
    ['02838251234', '[SĐT]'],
    // Identity and insurance numbers
    ['CCCD 001203004567', 'CCCD [SỐ GIẤY TỜ]'],
    ['căn cước của em: 001 203 004 567', 'căn cước của em: [SỐ GIẤY TỜ]'],
    ['cmnd: 123456789', 'cmnd: [SỐ GIẤY TỜ]'],
    ['số bhxh 7912345678', 'số bhxh [SỐ GIẤY TỜ]'],
    ['mã số BHXH của em là 0112345678', 'mã số BHXH của em là [SỐ GIẤY TỜ]'],
    ['hộ chiếu C1234567', 'hộ chiếu [SỐ GIẤY TỜ]'],
    ['001203004567 là số căn cước', '[SỐ GIẤY TỜ] là số căn cước'],
    ['em gửi 7912345678 rồi', 'em gửi [SỐ GIẤY TỜ] rồi'],
    // Emails
    ['email an.nguyen@gmail.com', 'email [EMAIL]'],
    ['gửi về Lan_Tran+cd@cong-doan.org.vn nhé', 'gửi về [EMAIL] nhé'],
    // Bank accounts
    ['stk 0123456789 vietcombank', 'stk [STK] vietcombank'],
    ['stk vietcombank 0123 456 789', 'stk vietcombank [STK]'],
    ['số tài khoản của em là: 1903-4567-8901-23', 'số tài khoản của em là: [STK]'],
    ['so tai khoan 19034567890123 techcombank', 'so tai khoan [STK] techcombank'],
    // Names
    ['tên em là Nguyễn Văn An, công ty nợ lương', 'tên em là [TÊN], công ty nợ lương'],
    ['Tên tôi là Trần Thị Bích Ngọc', 'Tên tôi là [TÊN]'],
    ['ten em la nguyen van minh lam cong nhan', 'ten em la [TÊN] lam cong nhan'],
    ['em tên Lan, 25 tuổi', 'em tên [TÊN], 25 tuổi'],
    ['mình tên là Hoa làm ở KCN', 'mình tên là [TÊN] làm ở KCN'],
    ['Họ và tên: Lê Văn Tám', 'Họ và tên: [TÊN]'],
    ['Tôi là Trần Văn Minh. Cty nợ lương', 'Tôi là [TÊN]. Cty nợ lương'],
    // Addresses
    ['nhà em ở 12 Lê Lợi, quận 1. Cty nợ lương', 'nhà em ở [ĐỊA CHỈ]. Cty nợ lương'],
    ['địa chỉ: số 5 ngõ 10 Trần Duy Hưng, Hà Nội', 'địa chỉ: [ĐỊA CHỈ]'],
    ['địa chỉ là 45 đường 3/2, phường 11, quận 10', 'địa chỉ là [ĐỊA CHỈ]'],
    ['nhà em ở Bình Dương nên nộp ở đâu', 'nhà em ở [ĐỊA CHỈ] nên nộp ở đâu'],
    ['quê tôi ở Cần Thơ thì sao', 'quê tôi ở [ĐỊA CHỈ] thì sao'],
    ['nha em o to 5 khu pho 2 phuong An Phu thi nop o dau', 'nha em o [ĐỊA CHỈ] thi nop o dau'],
    // Several at once
    [
      'Tên em là Phạm Thu Hà, sdt 0987654321, email ha.pham@yahoo.com, CCCD 079301000123',
      'Tên em là [TÊN], sdt [SĐT], email [EMAIL], CCCD [SỐ GIẤY TỜ]',
    ],
  ])('%j → %j', (text, expected) => {
    expect(redactPII(text)).toBe(expected);
    expect(containsPII(text)).toBe(true);
  });
});

describe('redactPII leaves what curators need', () => {
  it.each([
    'lương 10.000.000đ đóng 5 năm từ 2019',
    'lương 10000000 đồng',
    'lương 12000000 vnd',
    'mức 2.340.000 đồng',
    'lương 150000000',
    '123456789đ',
    '15 triệu, 49 tháng',
    'ngày 01/07/2025',
    'tháng 12/2024',
    'Điều 46 khoản 1',
    'Nghị định 28/2015/NĐ-CP',
    'Luật Việc làm số 74/2025/QH15',
    'năm 2026 vùng I',
    'tổng đài 1900 1234',
    'hotline 18001567',
    'em làm 10 năm, lương 8tr5',
    'em là công nhân',
    'em là NLĐ ở cty',
    'địa chỉ nộp hồ sơ ở đâu',
    'địa chỉ của trung tâm dịch vụ việc làm',
    'tài khoản nhận 10.000.000đ',
    'tài khoản vssid bị khóa',
    'nhà em ở gần công ty',
    'tên công ty là gì',
    'tên em là gì ạ',
    'Em tên là gì cũng được',
    'số điện thoại của trung tâm là gì',
    'stk là gì',
    '',
  ])('"%s"', (text) => {
    expect(redactPII(text)).toBe(text);
    expect(containsPII(text)).toBe(false);
  });
});

describe('redactDeep', () => {
  it('redacts every string inside objects and arrays, without touching the input', () => {
    const input = { a: ['0912345678', 3], b: { c: 'ok', d: 'mail x@y.vn' }, n: null, t: true };
    const out = redactDeep(input);
    expect(out).toEqual({ a: ['[SĐT]', 3], b: { c: 'ok', d: 'mail [EMAIL]' }, n: null, t: true });
    expect(input.a[0]).toBe('0912345678');
  });

  it('handles strings, cycles, dates and errors', () => {
    expect(redactDeep('gọi 0912345678')).toBe('gọi [SĐT]');
    const cyclic: Record<string, unknown> = { text: 'cccd 001203004567' };
    cyclic.self = cyclic;
    const out = redactDeep(cyclic) as Record<string, unknown>;
    expect(out.text).toBe('cccd [SỐ GIẤY TỜ]');
    expect(out.self).toBe('[Circular]');
    expect(() => JSON.stringify(out)).not.toThrow();
    const date = new Date(0);
    expect(redactDeep({ date }).date).toBe(date);
    const err = redactDeep(new TypeError('bad phone 0912345678'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('bad phone [SĐT]');
    expect(err.stack).not.toContain('0912345678');
  });

  it('keeps a shared object that is not a cycle', () => {
    const shared = { phone: '0912345678' };
    expect(redactDeep({ a: shared, b: shared })).toEqual({ a: { phone: '[SĐT]' }, b: { phone: '[SĐT]' } });
  });
});
