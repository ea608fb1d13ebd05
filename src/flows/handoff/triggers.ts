/**
 * When a person must take over. Three strengths of signal:
 * - urgent: a life or safety at risk → queue as urgent at once, with emergency numbers;
 * - explicit: the worker asks for a person → queue;
 * - sensitive: a matter a counsellor should look at → answer what the KB can, and offer.
 *
 * Patterns are written folded (no diacritics) because many workers type that way. Where a
 * folded pattern is ambiguous ("tu tu" is both "tự tử" and "từ từ"), the pattern carries the
 * accented form too, and a message typed with diacritics must match the accented form.
 */
import { fold, hasDiacritics, normalize } from '../../knowledge/vi/normalize.js';

export type HandoffSignal =
  | { kind: 'urgent'; reason: UrgentReason }
  | { kind: 'explicit' }
  | { kind: 'sensitive'; reason: SensitiveReason };

export type UrgentReason = 'self-harm' | 'violence' | 'medical-emergency';
export type SensitiveReason =
  | 'unpaid-wages-absent-employer'
  | 'work-accident'
  | 'pregnancy-dismissal'
  | 'harassment'
  | 'collective-dispute'
  | 'lawsuit'
  | 'withheld-papers';

/** A folded regex; `accented`, when given, must match instead if the text has diacritics. */
interface Pattern {
  folded: RegExp;
  accented?: RegExp;
  /**
   * The folded form may also spell harmless words: typed with diacritics, only the accented
   * form counts. Patterns whose folded form is unambiguous opt out, so that a wrong tone
   * ("tự tữ", "tư vắn viên") still counts.
   */
  ambiguous?: boolean;
}

/** Alternatives matched as whole words: between the text's ends or spaces. */
const OPEN = String.raw`(?:^|\s)(?:`;
const CLOSE = String.raw`)(?:$|\s)`;
const bounded = (alternatives: string) => new RegExp(OPEN + alternatives + CLOSE);

const p = (folded: string, accented?: string, ambiguous = true): Pattern => ({
  folded: bounded(folded),
  accented: accented ? bounded(accented) : undefined,
  ambiguous,
});

const URGENT: Array<[UrgentReason, Pattern[]]> = [
  [
    'self-harm',
    [
      p('(muon|dinh|se|nghi den|nghi toi|chac phai|thi) (chet|tu tu|tu sat)', '(muốn|định|sẽ|nghĩ đến|nghĩ tới|chắc phải|thì) (chết|tự tử|tự sát)'),
      p('tu sat|ket lieu (doi|ban than|cuoc song)|khong muon song( nua)?|chan song|chet cho xong|chet quach|nhay cau|nhay lau|uong thuoc (sau|chuot|ngu) (de )?(chet|tu tu)|treo co|cat tay (tu tu|de chet)',
        'tự sát|kết liễu (đời|bản thân|cuộc sống)|không muốn sống( nữa)?|chán sống|chết cho xong|chết quách|nhảy cầu|nhảy lầu|uống thuốc (sâu|chuột|ngủ) (để )?(chết|tự tử)|treo cổ|cắt tay (tự tử|để chết)'),
      p('tu tu', 'tự tử'),
      p('nghi quan|khong (con )?thiet song|het thiet song|uong het (vi|lo|hop) thuoc|uong (vi|lo|ca lo|ca vi) thuoc|cat tay|rach tay|chet di cho xong|ket thuc cuoc doi|ket thuc tat ca',
        'nghĩ quẩn|không (còn )?thiết sống|hết thiết sống|uống hết (vỉ|lọ|hộp) thuốc|uống (vỉ|lọ|cả lọ|cả vỉ) thuốc|cắt tay|rạch tay|tự tữ|tự tủ|muốn chết|chết đi cho xong|kết thúc cuộc đời|kết thúc tất cả', false),
    ],
  ],
  [
    'violence',
    [
      p('(bi|dang bi|no|chu|sep|quan ly|to truong|bao ve|ho)( \\S+){0,2} (danh(?! gia| so| thue| dau| may| bai)|danh dap|hanh hung|dam|chem|bop co)( (em|toi|minh|chau|con|chi|anh|tui|tao))?',
        '(bị|đang bị|nó|chủ|sếp|quản lý|tổ trưởng|bảo vệ|họ)( \\S+){0,2} (đánh(?! giá| số| thuế| dấu| máy| bài)|đánh đập|hành hung|đâm|chém|bóp cổ)( (em|tôi|mình|cháu|con|chị|anh|tui|tao))?'),
      p('cam (dao|ma tau|gay|bua|kiem)|duoi danh|khoa cua nhot|nhot (em|toi|chung em|bon em|chung toi|cong nhan|trong)|dap (em|toi|lien tuc|vao)|xo (em|toi)|danh (em|toi|chung em|cong nhan|nguoi)|giet ca nha|se giet|giet (het|chet)|dam (em|toi|nguoi)',
        'cầm (dao|mã tấu|gậy|búa|kiếm)|đuổi đánh|khóa cửa nhốt|nhốt (em|tôi|chúng em|bọn em|chúng tôi|công nhân|trong)|đạp (em|tôi|liên tục|vào)|xô (em|tôi)|đánh (em|tôi|chúng em|công nhân|người)|giết cả nhà|sẽ giết|giết (hết|chết)|đâm (em|tôi|người)', false),
      p('doa (giet|chem|danh)|de doa (giet|tinh mang|danh)|giet (em|toi|minh|chau|tui)|bao luc|cuong hiep|hiep dam|xam hai tinh duc|cuong buc',
        'dọa (giết|chém|đánh)|đe dọa (giết|tính mạng|đánh)|giết (em|tôi|mình|cháu|tui)|bạo lực|cưỡng hiếp|hiếp dâm|xâm hại tình dục|cưỡng bức'),
      p('(nhot|giam|khoa cua|giu) (em|toi|minh|chung em|bon em|chung toi|bon toi|tui|chau|cong nhan)( lai)?( khong cho (ve|ra|di))?|khong cho (em|toi|chung em|bon em|chung toi|bon toi|tui|cong nhan) (ve|ra ngoai|ra khoi)|bi (nhot|giam long|giam giu|bat giu)',
        '(nhốt|giam|khóa cửa|giữ) (em|tôi|mình|chúng em|bọn em|chúng tôi|bọn tôi|tui|cháu|công nhân)( lại)?( không cho (về|ra|đi))?|không cho (em|tôi|chúng em|bọn em|chúng tôi|bọn tôi|tui|công nhân) (về|ra ngoài|ra khỏi)|bị (nhốt|giam lỏng|giam giữ|bắt giữ)'),
    ],
  ],
  [
    'medical-emergency',
    [
      p('cuu (em|toi|chau|minh|tui|con|voi)|cuu voi|sos|help me', 'cứu (em|tôi|cháu|mình|tui|con|với)|cứu với|sos|help me'),
      p('dang chay|chay xuong|chay lon|hoa hoan|no (lo hoi|binh|gas)|sap (gian|nha|tuong|cong trinh)|gian giao (vua )?sap|vua sap|bi de|mac ket|ket (ben )?trong|ngo doc|kho tho|ngat xiu|dien giat|giat dien|keo vao may|cuon vao may|mau chay|chay mau|dut (ngon|tay|chan)|gay (co|xuong song)',
        'đang cháy|cháy xưởng|cháy lớn|hỏa hoạn|hoả hoạn|nổ (lò hơi|bình|gas)|sập (giàn|nhà|tường|công trình)|giàn giáo (vừa )?sập|vừa sập|bị đè|mắc kẹt|kẹt (bên )?trong|ngộ độc|khó thở|ngất xỉu|điện giật|giật điện|kéo vào máy|cuốn vào máy|máu chảy|chảy máu|đứt (ngón|tay|chân)|gãy (cổ|xương sống)', false),
      p('cap cuu|bat tinh|ngat xiu|chay mau|mat nhieu mau|nguy kich|sap chet|khong tho duoc|bi bong nang|dut tay|dut chan|may cuon',
        'cấp cứu|bất tỉnh|ngất xỉu|chảy máu|mất nhiều máu|nguy kịch|sắp chết|không thở được|bị bỏng nặng|đứt tay|đứt chân|máy cuốn'),
    ],
  ],
];

const EXPLICIT: Pattern[] = [
  p('(gap|noi chuyen voi|noi chuyen|chat voi|ket noi voi|ket noi|xin gap|muon gap|can gap|cho (em|toi|minh|tui|chau) gap|lien he voi|hoi) (1 |mot )?(nguoi that|nguoi tu van|tu van vien|nhan vien tu van|can bo cong doan|can bo tu van|luat su|chuyen vien|admin that|tvv|nguoi ho tro)',
    '(gặp|nói chuyện với|nói chuyện|chat với|kết nối với|kết nối|xin gặp|muốn gặp|cần gặp|cho (em|tôi|mình|tui|cháu) gặp|liên hệ với|hỏi) (1 |một )?(người thật|người tư vấn|tư vấn viên|nhân viên tư vấn|cán bộ công đoàn|cán bộ tư vấn|luật sư|chuyên viên|admin thật|tvv|người hỗ trợ)'),
  p('gap (ng|nguoi)( that)?|gap nhan vien( ho tro| tu van)?|nguoi tu van that|noi chuyen truc tiep|ng that|nguoi cua cong doan|khong muon noi chuyen (voi|vs) may',
    'gặp (ng|người)( thật)?|gặp nhân viên( hỗ trợ| tư vấn)?|người tư vấn thật|nói chuyện trực tiếp|ng thật|người của công đoàn|không muốn nói chuyện (với|vs) máy', false),
  p('chuyen (cho|sang|qua) (nguoi that|tu van vien|nguoi tu van|nhan vien tu van)|tu van vien|nguoi that|tu van truc tiep|gap truc tiep|tvv', 'chuyển (cho|sang|qua) (người thật|tư vấn viên|người tư vấn|nhân viên tư vấn)|tư vấn viên|người thật|tư vấn trực tiếp|gặp trực tiếp|tvv', false),
];

/** Questions ABOUT counsellors are not requests for one ("tư vấn viên làm việc mấy giờ"). */
const ABOUT_COUNSELLOR = p('(tu van vien|van phong tu van) (lam viec|la ai|o dau|may gio|co mat phi|tinh phi)', '(tư vấn viên|văn phòng tư vấn) (làm việc|là ai|ở đâu|mấy giờ|có mất phí|tính phí)');

const SENSITIVE: Array<[SensitiveReason, Pattern[]]> = [
  [
    'unpaid-wages-absent-employer',
    [
      p('(bo tron|bo chay|tron mat|mat tich|bien mat|om tien|khong lien lac duoc|cat lien lac|bo tron khoi|dong cua bo di|bo di dau mat)',
        '(bỏ trốn|bỏ chạy|trốn mất|mất tích|biến mất|ôm tiền|không liên lạc được|cắt liên lạc|đóng cửa bỏ đi|bỏ đi đâu mất)'),
    ],
  ],
  [
    'work-accident',
    [p('tai nan lao dong|tnld|tai nan (khi|trong khi|luc) (dang )?lam|bi thuong (khi|luc|trong khi) lam|benh nghe nghiep|gay (tay|chan) (khi|luc) lam|tai nan (o|tai) (xuong|cong trinh|cong ty|cty)',
      'tai nạn lao động|tnlđ|tnld|tai nạn (khi|trong khi|lúc) (đang )?làm|bị thương (khi|lúc|trong khi) làm|bệnh nghề nghiệp|gãy (tay|chân) (khi|lúc) làm|tai nạn (ở|tại) (xưởng|công trình|công ty|cty)')],
  ],
  [
    'pregnancy-dismissal',
    [p('(mang thai|co thai|co bau|bau bi|dang bau|thai san|nuoi con nho|con nho duoi 12 thang|nuoi con duoi 12 thang).{0,40}(duoi|cho nghi|sa thai|cham dut|ep nghi|bat nghi|cat hop dong|khong ky tiep|khong gia han|cho thoi viec|ky don)|(duoi|sa thai|cho nghi|ep nghi|bat nghi|cho thoi viec|cham dut|ky don|ep ky|bat .{0,8}ky).{0,40}(mang thai|co thai|co bau|dang bau|thai san)',
      '(mang thai|có thai|có bầu|bầu bí|đang bầu|thai sản|nuôi con nhỏ|con nhỏ dưới 12 tháng|nuôi con dưới 12 tháng).{0,40}(đuổi|cho nghỉ|sa thải|chấm dứt|ép nghỉ|bắt nghỉ|cắt hợp đồng|không ký tiếp|không gia hạn|cho thôi việc|ký đơn)|(đuổi|sa thải|cho nghỉ|ép nghỉ|bắt nghỉ|cho thôi việc|chấm dứt|ký đơn|ép ký|bắt .{0,8}ký).{0,40}(mang thai|có thai|có bầu|đang bầu|thai sản)')],
  ],
  [
    'harassment',
    [p('quay roi|sam so|go gam|dung cham|ep (em|toi)? ?(di )?(quan he|ngu)|gạ tinh|ga tinh|noi tuc tiu|xuc pham|chui boi|lang ma|ngược đãi|nguoc dai',
      'quấy rối|sàm sỡ|gạ gẫm|đụng chạm|ép (em|tôi)? ?(đi )?(quan hệ|ngủ)|gạ tình|nói tục tĩu|xúc phạm|chửi bới|lăng mạ|ngược đãi')],
  ],
  [
    'collective-dispute',
    [p('dinh cong|ngung viec tap the|tranh chap tap the|lan cong|ca xuong (nghi|ngung)|toan bo cong nhan|tap the cong nhan', 'đình công|ngừng việc tập thể|tranh chấp tập thể|lãn công|cả xưởng (nghỉ|ngừng)|toàn bộ công nhân|tập thể công nhân')],
  ],
  [
    'lawsuit',
    [p('khoi kien|di kien|kien (cong ty|cty|chu|sep|doanh nghiep|ra toa)|nop don kien|don khoi kien|ra toa|toa an|thue luat su|hau toa',
      'khởi kiện|đi kiện|kiện (công ty|cty|chủ|sếp|doanh nghiệp|ra tòa)|nộp đơn kiện|đơn khởi kiện|ra tòa|tòa án|thuê luật sư|hầu tòa')],
  ],
  [
    'withheld-papers',
    [p('(giu|thu|cam|khong tra|chua tra|khong chiu tra|khong tra lai|om) (lai )?(bang|bang cap|van bang|cccd|can cuoc|cmnd|chung minh|ho chieu|so bhxh|so bao hiem|giay to|ban goc)',
      '(giữ|thu|cầm|không trả|chưa trả|không chịu trả|không trả lại|ôm) (lại )?(bằng|bằng cấp|văn bằng|cccd|căn cước|cmnd|chứng minh|hộ chiếu|sổ bhxh|sổ bảo hiểm|giấy tờ|bản gốc)')],
  ],
];

const FRUSTRATION = p(
  'bot ngu|ngu qua|ngu the|vo dung|vo ich|khong hieu gi|chang hieu gi|tra loi sai|tra loi linh tinh|hoi mai|noi mai|chan qua|buc minh|dm|vcl|vl|clgt|khong giup duoc gi|toi hoi cai khac|khong phai cai do|sai roi',
  'bot ngu|ngu quá|ngu thế|vô dụng|vô ích|không hiểu gì|chẳng hiểu gì|trả lời sai|trả lời linh tinh|hỏi mãi|nói mãi|chán quá|bực mình|dm|vcl|vl|clgt|không giúp được gì|tôi hỏi cái khác|không phải cái đó|sai rồi',
);

/**
 * Typed with diacritics, an ambiguous pattern must match its accented form; an unambiguous
 * one may match either, so that a wrong tone ("tự tữ", "tư vắn") still counts.
 */
function matches(pattern: Pattern, n: string, f: string, accented: boolean): boolean {
  if (accented && pattern.accented) return pattern.accented.test(n) || (!pattern.ambiguous && pattern.folded.test(f));
  return pattern.folded.test(f);
}

/** Text forms prepared once per message. */
export interface TextForms {
  /** normalize(): lowercase, NFC, with diacritics. */
  readonly normal: string;
  readonly folded: string;
  readonly accented: boolean;
}

/** The last text's forms: the engine, retrieval's follow-up test and the calculators ask for the same message's in turn. */
let lastForms: { text: string; forms: TextForms } | undefined;

/** The forms of `text`; the object may be shared with other callers and is never changed. */
export function textForms(text: string): TextForms {
  if (lastForms?.text !== text) {
    const normal = normalize(text);
    lastForms = { text, forms: { normal, folded: fold(normal), accented: hasDiacritics(normal) } };
  }
  return lastForms.forms;
}

/**
 * Every signal pattern as one alternation, folded and accented: a message that neither
 * matches (most of them) has no signal, and is turned away after one test instead of some
 * twenty. Any pattern that matches makes one of these match, so the result is the same.
 */
const ALL = [...URGENT.flatMap(([, ps]) => ps), ...EXPLICIT, ...SENSITIVE.flatMap(([, ps]) => ps)];
const inner = (re: RegExp) => re.source.slice(OPEN.length, -CLOSE.length);
const anyOf = (res: RegExp[]) => bounded(res.map((re) => `(?:${inner(re)})`).join('|'));
const ANY_FOLDED = anyOf(ALL.map((pt) => pt.folded));
const ANY_ACCENTED = anyOf(ALL.flatMap((pt) => (pt.accented ? [pt.accented] : [])));

export function detectHandoffSignal(t: TextForms): HandoffSignal | undefined {
  if (!ANY_FOLDED.test(t.folded) && !(t.accented && ANY_ACCENTED.test(t.normal))) return undefined;
  for (const [reason, patterns] of URGENT) {
    if (patterns.some((pt) => matches(pt, t.normal, t.folded, t.accented))) return { kind: 'urgent', reason };
  }
  if (EXPLICIT.some((pt) => matches(pt, t.normal, t.folded, t.accented)) && !matches(ABOUT_COUNSELLOR, t.normal, t.folded, t.accented)) {
    return { kind: 'explicit' };
  }
  for (const [reason, patterns] of SENSITIVE) {
    if (patterns.some((pt) => matches(pt, t.normal, t.folded, t.accented))) return { kind: 'sensitive', reason };
  }
  return undefined;
}

export function isFrustrated(t: TextForms): boolean {
  return matches(FRUSTRATION, t.normal, t.folded, t.accented);
}
