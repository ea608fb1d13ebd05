/**
 * Small, rule-based readings of a message that come before retrieval: commands typed as
 * words, yes/no to a pending question, small talk, and picking a numbered choice.
 * All patterns match the folded text (no diacritics), as many workers type that way.
 */
import type { TextForms } from './handoff/triggers.js';

const anywhere = (alternatives: string) => new RegExp(`(?:^|\\s)(?:${alternatives})(?:$|\\s)`);

/** Courtesy words that may surround a short reply ("dạ có ạ", "ok ad ơi"). */
const POLITE = String.raw`(?:\s*(?:a|ad|ad oi|oi|nhe|nha|di|vang|da|luon|em|minh|toi|roi|u|ok|nhe ad))*`;
const withPolite = (core: string) => new RegExp(`^(?:da\\s+|vang\\s+|u\\s+)?(?:${core})${POLITE}$`);

const CANCEL = withPolite('huy|huy bo|thoi|thoi khong can|dung|dung lai|ket thuc|thoat|khong tinh nua|cancel|stop|bo qua|quay lai');
const DELETE = anywhere('xoa (het |toan bo |tat ca )?(du lieu|thong tin|lich su|tin nhan)( cua (em|toi|minh|tui))?|delete my data');
const MENU = withPolite('menu|bat dau|bat dau lai|start|\\/start|trang chu|danh muc|chu de');
const YES = withPolite('co|co a|co chu|dong y|ok|oke|okay|okie|uh|u|um|vang|da|duoc|dc|yes|chac chan|xac nhan|gap|muon|co muon|co a gap|cho em gap|ok gap');
const NO = withPolite('khong|ko|k|hong|hok|khong can|thoi|khong a|no|chua|chua can|de sau|khong muon');

const GREETING = withPolite('chao|xin chao|chao ban|chao ad|chao admin|hello|hi|helo|alo|a lo|hey|ad oi|admin oi|co ai khong|co ai o do khong|chao bot|chao tro ly|hi ad');
/** "cảm ơn", "em cảm ơn bạn nhiều", "ok cám ơn ad nhé" (cám folds to cam too). */
const THANKS = withPolite(
  '(?:em |minh |toi |tui |xin |ok |oke |vang |da )?(?:cam on|camon)(?: (?:ban|ad|admin|tro ly|bot|chi|anh|nhe))?(?: (?:nhieu|rat nhieu|nhieu lam|lam|nhieu nhe))?|thanks|thank you|thank|tks|thks|hay qua|tot qua',
);
const BYE = withPolite('tam biet|bye|bai|bye bye|hen gap lai|chao nhe');
/** A bare acknowledgement of the last answer ("ok", "dạ vâng", "em hiểu rồi"): nothing asked. */
const ACK = withPolite('ok|oke|okay|okie|vang|da vang|da|da hieu|(?:vang |da vang |ok )?(?:(?:em|minh|toi|tui) )?(?:hieu|biet|ro|duoc) roi');
const WHO = anywhere('ban la ai|la ai vay|ban la nguoi hay may|ban la bot|ban la nguoi that|day la ai|may la ai|tro ly la gi|ban lam duoc gi|ban giup duoc gi');

export type SmallTalk = 'hello' | 'thanks' | 'bye' | 'who' | 'ack';

export const isCancel = (t: TextForms) => CANCEL.test(t.folded);
export const isDeleteRequest = (t: TextForms) => DELETE.test(t.folded);
export const isMenuRequest = (t: TextForms) => MENU.test(t.folded);
export const isYes = (t: TextForms) => YES.test(t.folded);
export const isNo = (t: TextForms) => NO.test(t.folded);

export function smallTalk(t: TextForms): SmallTalk | undefined {
  if (GREETING.test(t.folded)) return 'hello';
  if (THANKS.test(t.folded)) return 'thanks';
  if (BYE.test(t.folded)) return 'bye';
  if (WHO.test(t.folded) && t.folded.split(' ').length <= 8) return 'who';
  if (ACK.test(t.folded)) return 'ack';
  return undefined;
}

/** "2", "số 2", "cái thứ 2", "câu 2" → 2; for picking one of the last choices. */
export function pickedNumber(t: TextForms): number | undefined {
  const m = /^(?:so |cai |cau |y |muc |lua chon )?(?:thu )?([1-9])(?: a| nhe)?$/.exec(t.folded);
  return m ? Number(m[1]) : undefined;
}

/** Words that ask for a computation rather than the rule. */
const CALC_WORDS = anywhere(
  'tinh|tinh giup|tinh dum|tinh ho|tinh thu|duoc bao nhieu|bao nhieu tien|bn tien|nhan duoc bao nhieu|huong bao nhieu|linh bao nhieu|duoc may thang|huong may thang|duoc huong bao lau|duoc bao lau|mat bao nhieu|bao nhieu ngay|may ngay|tra bao nhieu|duoc tra bao nhieu|tien tang ca|bao nhieu thang',
);
export const asksForCalculation = (t: TextForms) => CALC_WORDS.test(t.folded);

/** Short messages or ones that lean on what was said before ("thế nộp ở đâu?", "còn thời gian hưởng?"). */
const FOLLOW_UP = anywhere('the|the con|con|vay|vay thi|the thi|thi sao|con neu|neu vay|truong hop do|cai do|viec do|khi do|luc do|o dau|bao lau|may thang|bao nhieu|can gi|the nao|ra sao');
export function looksLikeFollowUp(t: TextForms, tokenCount: number): boolean {
  return tokenCount <= 4 || (tokenCount <= 10 && FOLLOW_UP.test(t.folded));
}
