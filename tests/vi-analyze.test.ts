/** The analysis pipeline: abbreviations, teen-code, typos, stopwords, n-grams. */
import { describe, expect, it } from 'vitest';
import { analyze, analyzeForIndex, syllableNgrams } from '../src/knowledge/vi/analyze.js';
import { expandAbbreviations, teenCodeVariants } from '../src/knowledge/vi/abbreviations.js';
import { correctSyllable, correctToken, fixConfusedPairs, splitGlued } from '../src/knowledge/vi/typos.js';
import { isStopword } from '../src/knowledge/vi/stopwords.js';

const words = (s: string) => s.split(' ');

describe('expandAbbreviations', () => {
  it.each([
    ['bhtn', 'bao hiem that nghiep'],
    ['bhxh', 'bao hiem xa hoi'],
    ['bhyt', 'bao hiem y te'],
    ['hđlđ', 'hop dong lao dong'],
    ['hdld', 'hop dong lao dong'],
    ['nld', 'nguoi lao dong'],
    ['nlđ', 'nguoi lao dong'],
    ['nsdld', 'nguoi su dung lao dong'],
    ['nsdlđ', 'nguoi su dung lao dong'],
    ['tctn', 'tro cap that nghiep'],
    ['ttdvvl', 'trung tam dich vu viec lam'],
    ['cty', 'cong ty'],
    ['ct', 'cong ty'],
    ['cv', 'cong viec'],
    ['hđ', 'hop dong'],
    ['tnlđ', 'tai nan lao dong'],
    ['lđlđ', 'lien doan lao dong'],
    ['cđ', 'cong doan'],
    ['ot', 'lam them gio'],
    ['ko', 'khong'],
    ['k', 'khong'],
    ['kg', 'khong'],
    ['hk', 'khong'],
    ['hok', 'khong'],
    ['khg', 'khong'],
    ['dc', 'duoc'],
    ['đc', 'duoc'],
    ['j', 'gi'],
    ['ntn', 'nhu the nao'],
    ['e', 'em'],
    ['a', 'anh'],
    ['ad', 'admin'],
    ['ib', 'nhan tin'],
    ['sdt', 'so dien thoai'],
    ['vs', 'voi'],
    ['ms', 'moi'],
    ['trc', 'truoc'],
    ['r', 'roi'],
    ['h', 'gio'],
    ['tg', 'thoi gian'],
    ['ng', 'nguoi'],
    ['ngta', 'nguoi ta'],
    ['mk', 'minh'],
    ['mik', 'minh'],
    ['đt', 'dien thoai'],
    ['lm', 'lam'],
    ['tl', 'tra loi'],
    ['z', 'vay'],
    ['v', 'vay'],
    ['hs', 'ho so'],
  ])('%s → %s', (abbr, expansion) => {
    expect(expandAbbreviations([abbr])).toEqual(words(expansion));
  });

  it('keeps other tokens and folds them', () => {
    expect(expandAbbreviations(['lương', 'bhtn', 'tháng'])).toEqual(['luong', 'bao', 'hiem', 'that', 'nghiep', 'thang']);
  });

  it.each([
    // "dk": a condition after đủ/các, at the start, or before gì/là; otherwise "được".
    ['du dk huong', 'du dieu kien huong'],
    ['dk huong tctn gom gi', 'dieu kien huong tro cap that nghiep gom gi'],
    ['can dk j', 'can dieu kien gi'],
    ['co dk huong ko', 'co duoc huong khong'],
    ['nghi dk ko', 'nghi duoc khong'],
    ['dk hoc nghe', 'dang ky hoc nghe'],
    // "bh": insurance next to đóng/thất nghiệp; "bao giờ" before thì/mới; "bây giờ" before a pronoun.
    ['dong bh 2 nam', 'dong bao hiem 2 nam'],
    ['bh that nghiep', 'bao hiem that nghiep'],
    ['bh tn', 'bao hiem that nghiep'],
    ['bh thi duoc nhan', 'bao gio thi duoc nhan'],
    ['bh em phai lam sao', 'bay gio em phai lam sao'],
    // Units after a number.
    ['500 k', '500 nghin'],
    ['10 tr', '10 trieu'],
    ['3 th', '3 thang'],
    ['30 p', '30 phut'],
    // "bn": bao nhiêu, but "bạn" before ơi.
    ['luong bn', 'luong bao nhieu'],
    ['bn oi', 'ban oi'],
    // "cn": Sunday after làm/ngày, otherwise a worker.
    ['lam cn', 'lam chu nhat'],
    ['cn may', 'cong nhan may'],
    // "tăng ca" and "làm thêm giờ" meet.
    ['tang ca 4 gio', 'lam them gio 4 gio'],
    ['het tv', 'het thu viec'],
    ['can tv', 'can tu van'],
    ['nd 28', 'nghi dinh 28'],
  ])('reads %j as %j', (input, expected) => {
    expect(expandAbbreviations(words(input))).toEqual(words(expected));
  });

  it('does not take a word typed with diacritics for an abbreviation', () => {
    expect(expandAbbreviations(['hẻm'])).toEqual(['hem']);
    expect(expandAbbreviations(['hem'])).toEqual(['khong']);
    expect(expandAbbreviations(['rùi'])).toEqual(['roi']);
    expect(expandAbbreviations(['rủi'])).toEqual(['rui']);
  });

  it('never finds Object.prototype', () => {
    expect(expandAbbreviations(['constructor', 'toString', '__proto__'])).toEqual(['constructor', 'toString', '__proto__']);
    expect(analyze('constructor hasOwnProperty')).toEqual(['constructor', 'hasownproperty']);
  });
});

describe('teen-code letter swaps', () => {
  it.each([
    ['fai', 'phai'],
    ['wa', 'qua'],
    ['mjnh', 'minh'],
    ['nghj', 'nghi'],
    ['jo', 'gio'],
    ['kon', 'con'],
    ['thoy', 'thoi'],
  ])('%s offers %s', (token, expected) => {
    expect(teenCodeVariants(token)[0]).toBe(expected);
  });
  it('z has several readings', () => {
    expect(teenCodeVariants('zui')).toEqual(['vui', 'dui', 'giui']);
  });
});

describe('typo correction', () => {
  it.each([
    ['nghep', 'nghiep'],
    ['ngiep', 'nghiep'],
    ['nghiepp', 'nghiep'],
    ['luog', 'luong'],
    ['thta', 'that'],
    ['thag', 'thang'],
    ['huog', 'huong'],
    ['vic', 'viec'],
    ['capp', 'cap'],
    ['huwong', 'huong'],
    ['khog', 'khong'],
    ['dduowcj', 'duoc'],
    ['vieecj', 'viec'],
    ['khoongf', 'khong'],
    ['fai', 'phai'],
    ['wa', 'qua'],
    ['nghiwp', 'nghiep'],
  ])('%s → %s', (typo, fixed) => {
    expect(correctSyllable(typo)).toBe(fixed);
  });

  it.each(['nghiem', 'luon', 'xoong', 'nghen', 'thom', 'ko', 'bhxh', 'zalo', 'online', 'vssid', '2024', 'tin', 'viet'])(
    'leaves %s alone (a real word, an abbreviation or not a syllable we know)',
    (token) => {
      expect(correctSyllable(token)).toBe(token);
    },
  );

  it('splits words typed without spaces', () => {
    expect(splitGlued('thatnghiep')).toEqual(['that', 'nghiep']);
    expect(splitGlued('baohiemxahoi')).toEqual(['bao', 'hiem', 'xa', 'hoi']);
    expect(splitGlued('trocapthatnghiep')).toEqual(['tro', 'cap', 'that', 'nghiep']);
    expect(splitGlued('vietcombank')).toBeUndefined();
    expect(correctToken('thatnghiep')).toEqual(['that', 'nghiep']);
    expect(correctToken('online')).toEqual(['online']);
  });

  it('fixes misspellings that only their neighbour reveals', () => {
    const cases: Array<[string, string]> = [
      ['bi xa thai', 'bi sa thai'],
      ['bat buot', 'bat buoc'],
      ['bao truot', 'bao truoc'],
      ['tin luong', 'tinh luong'],
      ['bo chon', 'bo tron'],
      ['su ly', 'xu ly'],
      ['nghi viet', 'nghi viec'],
      ['ki luat', 'ky luat'],
      ['qui dinh', 'quy dinh'],
      ['cong ti', 'cong ty'],
      ['tin nhan', 'tin nhan'],
      ['xa nha', 'xa nha'],
    ];
    for (const [input, expected] of cases) {
      const tokens = words(input);
      fixConfusedPairs(tokens);
      expect(tokens.join(' ')).toBe(expected);
    }
  });
});

describe('stopwords', () => {
  it.each(['ạ', 'ơi', 'nhé', 'dạ', 'vâng', 'ad', 'em', 'thì', 'là'])('%s is a stopword', (w) => {
    expect(isStopword(w)).toBe(true);
  });
  it.each(['không', 'có', 'bao', 'nhiêu', 'đâu', 'nào', 'gì', 'vàng', 'hội', 'được', 'cho'])('%s is not', (w) => {
    expect(isStopword(w)).toBe(false);
  });
});

describe('analyze', () => {
  it('meets a formal question and its teen-code twin in the same terms', () => {
    const formal = analyze('Em nghỉ việc được 2 tháng rồi, có được hưởng trợ cấp thất nghiệp không ạ?');
    const sloppy = analyze('e nghi viec dc 2 thang r co dc huong tctn ko ad');
    expect(sloppy).toEqual(formal);
    expect(sloppy).toEqual(words('nghi viec duoc 2 thang co duoc nhan tro cap that nghiep khong'));
  });

  it.each([
    ['cho em hỏi mức hưởng bhtn tối đa là bao nhiêu ạ', 'cho e hoi muc huong bhtn toi da la bn a'],
    ['Công ty không đóng bảo hiểm xã hội cho em thì sao ạ?', 'cty ko dong bhxh cho e thi sao a'],
    ['Hợp đồng lao động hết hạn có được trợ cấp thôi việc không?', 'hdld het han co dc tctv ko'],
    ['Nộp hồ sơ ở đâu vậy ad ơi', 'nop hs o dau z ad oi'],
    ['Lương cơ bản bao nhiêu thì đóng bảo hiểm', 'luong co ban bn thi dong bh'],
    ['Tối thiểu vùng là bao nhiêu', 'toi thieu vung la bao nhieu'],
    ['Người lao động bị sa thải có được hưởng không', 'nld bi xa thai co dk huong hok'],
    ['Lương tối thiểu vùng', 'luong toi thieu vung'],
    ['Bảo hiểm xã hội một lần', 'bao hiem xa hoi mot lan'],
    ['Thẻ bảo hiểm y tế', 'the bhyt'],
  ])('%j and %j analyse alike', (accented, plain) => {
    expect(analyze(plain)).toEqual(analyze(accented));
  });

  it.each([
    ['cty ko đóng bhxh', 'cong ty khong dong bao hiem xa hoi'],
    ['hdld 2 nam', 'hop dong lao dong 2 nam'],
    ['tro cap that nghep', 'tro cap that nghiep'],
    ['luog thang', 'luong thang'],
    ['thatnghiep', 'that nghiep'],
    ['fải làm sao', 'phai lam'],
    ['wa hạn nộp hồ sơ', 'qua han nop ho so'],
    ['dduowcj khoong', 'duoc khong'],
    ['lương 10tr5 tăng ca 40h', 'luong 10 trieu 5 lam them gio 40 gio'],
    ['OT 4 tiếng', 'lam them gio 4 tieng'],
    ['đóng 8% lương', 'dong 8 phan tram luong'],
    ['tháng 12/2024', 'thang 12/2024'],
    // Folding merges words; what was typed decides: "vàng" is gold, "vâng" is yes.
    ['giá vàng vâng', 'gia vang'],
    // "hỏi" is noise, "hội" is not; a plain "hoi" after "xa" is "hội".
    ['hỏi về hội viên công đoàn', 'hoi vien cong doan'],
    ['bao hiem xa hoi', 'bao hiem xa hoi'],
    // Closing particles typed plainly go only at the end.
    ['duoc khong ha', 'duoc khong'],
    ['o ha noi', 'o noi'],
    ['', ''],
    ['😀 ạ ạ', ''],
  ])('%j → %j', (input, expected) => {
    expect(analyze(input).join(' ')).toBe(expected);
  });

  it('keeps question words that change the meaning', () => {
    const terms = analyze('bao nhiêu, ở đâu, khi nào, bao lâu, có, không, mấy, gì');
    for (const w of ['bao', 'nhieu', 'o', 'dau', 'khi', 'nao', 'lau', 'co', 'khong', 'may', 'gi']) expect(terms).toContain(w);
  });
});

describe('n-grams', () => {
  it('joins adjacent syllables with "_"', () => {
    expect(syllableNgrams(['that', 'nghiep', 'la'], 2)).toEqual(['that_nghiep', 'nghiep_la']);
    expect(syllableNgrams(['hop', 'dong', 'lao', 'dong'], 3)).toEqual(['hop_dong_lao', 'dong_lao_dong']);
    expect(syllableNgrams(['mot'], 2)).toEqual([]);
    expect(syllableNgrams(['a', 'b'], 1)).toEqual(['a', 'b']);
  });

  it('indexes syllables, then bigrams', () => {
    expect(analyzeForIndex('thất nghiệp')).toEqual(['that', 'nghiep', 'that_nghiep']);
    expect(analyzeForIndex('tctn')).toEqual(['tro', 'cap', 'that', 'nghiep', 'tro_cap', 'cap_that', 'that_nghiep']);
    expect(analyzeForIndex('ạ')).toEqual([]);
  });
});
