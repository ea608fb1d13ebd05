/** Normalisation, folding and syllable spelling. */
import { describe, expect, it } from 'vitest';
import { fold, hasDiacritics, hasVowelMarks, normalize, normalizeWords } from '../src/knowledge/vi/normalize.js';
import { isValidSyllable } from '../src/knowledge/vi/syllable.js';

describe('normalize', () => {
  it.each([
    // Decomposed input (VNI, Windows-1258, copy-paste) composes.
    ['Tro\u0300 ca\u0302\u0301p THẤT NGHIỆP??', 'trò cấp thất nghiệp'],
    ['  Lương   10.000.000đ,\n10,5 triệu. ', 'lương 10.000.000đ 10,5 triệu'],
    // Separators survive only inside numbers; dates keep their slashes.
    ['bhtn/bhxh 01/07/2025, 60%!', 'bhtn bhxh 01/07/2025 60%'],
    ['v.v... hỏi: "sao?"', 'v v hỏi sao'],
    // Emoji, symbols and stray combining marks go.
    ['cảm ơn ad 😀👍🏻❤️', 'cảm ơn ad'],
    ['x\u0301a', 'xa'],
    // Emphasis is cut back; roman numerals are not.
    ['khôngggg đượccc ạaaa', 'không được ạa'],
    ['vùng III', 'vùng iii'],
    // Abbreviations are all consonants and may repeat a letter: "cccd" (căn cước công dân).
    ['cty giữ CCCD gốc', 'cty giữ cccd gốc'],
    ['giữ cccd hoài khônggg trả', 'giữ cccd hoài không trả'],
    // An eth typed for đ.
    ['ÐÓNG BẢO HIỂM', 'đóng bảo hiểm'],
    ['', ''],
    ['?!…', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  it.each([
    // Modern placement and stray placements all become the classic one.
    ['hoà', 'hòa'],
    ['thuỷ', 'thủy'],
    ['khoẻ', 'khỏe'],
    ['hòan', 'hoàn'],
    ['ngòai', 'ngoài'],
    ['qủa', 'quả'],
    ['qúy', 'quý'],
    ['gìa', 'già'],
    ['uỷ ban', 'ủy ban'],
  ])('puts the tone of %j where %j has it', (typed, canonical) => {
    expect(normalize(typed)).toBe(canonical);
    expect(normalize(canonical)).toBe(canonical);
  });

  it.each(['của', 'mùa', 'người', 'tuyển', 'gì', 'giữ gìn', 'quốc', 'khuỷu', 'thuở', 'nghiêng', 'ruộng'])(
    'leaves correctly placed %j alone',
    (word) => {
      expect(normalize(word)).toBe(word);
    },
  );

  it('composed and decomposed forms are equal after normalisation', () => {
    const composed = 'Người lao động được hưởng trợ cấp';
    expect(normalize(composed.normalize('NFD'))).toBe(normalize(composed));
  });

  it('normalizeWords gives the words of normalize', () => {
    expect(normalizeWords('Em  nghỉ việc, hòa giải!')).toEqual(['em', 'nghỉ', 'việc', 'hòa', 'giải']);
    expect(normalizeWords('   ')).toEqual([]);
  });
});

describe('fold', () => {
  it.each([
    ['trợ cấp thất nghiệp', 'tro cap that nghiep'],
    ['Đóng BẢO HIỂM Xã Hội', 'Dong BAO HIEM Xa Hoi'],
    ['đđ ĐĐ', 'dd DD'],
    ['ăâêôơư ĂÂÊÔƠƯ', 'aaeoou AAEOOU'],
    ['ỳýỷỹỵ', 'yyyyy'],
    ['plain ascii 123', 'plain ascii 123'],
    ['tro\u0300 ca\u0302\u0301p', 'tro cap'],
  ])('%j → %j', (input, expected) => {
    expect(fold(input)).toBe(expected);
  });

  it('keeps the length of normalised text, so offsets carry over', () => {
    for (const text of ['Lương 10tr5, đóng 3 năm rưỡi ở Hà Nội', 'Nghỉ việc hòa giải thủy sản', 'ĐƯỢC KHÔNG Ạ???']) {
      const n = normalize(text);
      expect(fold(n)).toHaveLength(n.length);
    }
  });
});

describe('hasDiacritics / hasVowelMarks', () => {
  it.each([
    ['tro cap', false],
    ['đóng', true],
    ['đi', true],
    ['a\u0301', true],
    ['', false],
  ])('hasDiacritics(%j) = %s', (text, expected) => {
    expect(hasDiacritics(text)).toBe(expected);
  });

  it.each([
    ['đc', false],
    ['hđlđ', false],
    ['được', true],
    ['ko', false],
  ])('hasVowelMarks(%j) = %s (đ alone is an abbreviation, not an accented word)', (typed, expected) => {
    expect(hasVowelMarks(typed, fold(typed))).toBe(expected);
  });
});

describe('isValidSyllable', () => {
  it.each(['nghiep', 'nguoi', 'duoc', 'khong', 'quyen', 'gi', 'gin', 'gia', 'xoong', 'ruou', 'khuya', 'tuyen', 'oach', 'khuynh', 'ky', 'ke'])(
    '%s is spelled like a syllable',
    (s) => {
      expect(isValidSyllable(s)).toBe(true);
    },
  );
  it.each(['luog', 'ngiep', 'vic', 'thag', 'huog', 'thta', 'capp', 'huwong', 'ce', 'ka', 'ge', 'nge', 'bhxh', 'online', 'tie', 'ic', 'kon', 'fai', 'zay'])(
    '%s breaks the spelling rules',
    (s) => {
      expect(isValidSyllable(s)).toBe(false);
    },
  );
});
