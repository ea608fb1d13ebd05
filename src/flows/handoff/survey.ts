/**
 * The satisfaction question sent when a counsellor closes a chat, and the reading of its
 * answers. The console sends satisfactionSurvey() on close; the engine reads the postbacks.
 */
import type { Reply } from '../activity.js';

/** SURVEY:<1..5> — the worker's rating of the chat with the counsellor. */
export const SURVEY_PREFIX = 'SURVEY:';
export const SURVEY_MIN = 1;
export const SURVEY_MAX = 5;

export const SURVEY_TEXT = {
  question:
    'Tư vấn viên đã kết thúc cuộc trò chuyện. Cảm ơn bạn đã tin tưởng Công đoàn! Bạn thấy buổi tư vấn hôm nay thế nào? Chọn từ 1 (chưa hài lòng) đến 5 (rất hài lòng) nhé.',
  thanks: 'Cảm ơn bạn đã đánh giá! Góp ý của bạn giúp Công đoàn tư vấn tốt hơn. Nếu cần hỏi thêm, bạn cứ nhắn mình nhé.',
  thanksLow:
    'Cảm ơn bạn đã góp ý thẳng thắn, Công đoàn sẽ xem lại để làm tốt hơn. Nếu vẫn cần giúp, bạn cứ nhắn mình hoặc gõ "gặp tư vấn viên".',
  alreadyRated: 'Mình đã ghi nhận đánh giá của bạn rồi, cảm ơn bạn nhé! Bạn cần hỏi gì thêm cứ nhắn mình.',
  invalid: 'Xin lỗi, mình không đọc được lựa chọn này. Bạn chọn một số từ 1 đến 5 giúp mình nhé.',
} as const;

const LABELS: Record<number, string> = { 1: '1 · Chưa hài lòng', 2: '2', 3: '3', 4: '4', 5: '5 · Rất hài lòng' };

/** The question with five buttons, 1 (not satisfied) to 5 (very satisfied). */
export function satisfactionSurvey(): Reply {
  const choices = [];
  for (let n = SURVEY_MIN; n <= SURVEY_MAX; n++) choices.push({ label: LABELS[n]!, payload: `${SURVEY_PREFIX}${n}` });
  return { text: SURVEY_TEXT.question, choices };
}

export function isSurveyPayload(payload: string | undefined): payload is string {
  return payload !== undefined && payload.startsWith(SURVEY_PREFIX);
}

/** The rating in a SURVEY:n payload; undefined when it is not a whole number from 1 to 5. */
export function surveyRating(payload: string): number | undefined {
  const raw = payload.slice(SURVEY_PREFIX.length);
  if (!/^[1-9]$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= SURVEY_MIN && n <= SURVEY_MAX ? n : undefined;
}
