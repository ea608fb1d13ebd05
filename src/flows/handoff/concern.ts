/**
 * Why a chat waits for a counsellor, kept in the conversation's state while it waits, so the
 * console's queue can say it before anyone opens the chat: an urgent chat about violence and
 * one about a question the bot could not answer should not both read "Chưa rõ chủ đề".
 */
import type { SensitiveReason, UrgentReason } from './triggers.js';

/** A trigger's reason; `urgent`/`sensitive` when only the language model saw it; `asked` when the worker asked for a person. */
export type Concern = UrgentReason | SensitiveReason | 'urgent' | 'sensitive' | 'asked';

/** As counsellors read it in the queue (Vietnamese, short). */
const TITLES: Record<Concern, string> = {
  'self-harm': 'Nguy cơ tự tử, tự hại',
  violence: 'Bạo lực, đe dọa',
  'medical-emergency': 'Cấp cứu',
  urgent: 'Dấu hiệu nguy hiểm',
  'unpaid-wages-absent-employer': 'Chủ bỏ trốn, nợ lương',
  'work-accident': 'Tai nạn lao động',
  'pregnancy-dismissal': 'Mang thai bị cho nghỉ',
  harassment: 'Quấy rối',
  'collective-dispute': 'Tranh chấp tập thể, đình công',
  lawsuit: 'Kiện tụng',
  'withheld-papers': 'Bị giữ giấy tờ',
  sensitive: 'Việc nhạy cảm',
  asked: 'Muốn gặp tư vấn viên',
};

/** The title of a stored concern; null for none or for a value this version does not know. */
export function concernTitle(concern: string | undefined): string | null {
  return concern !== undefined && Object.hasOwn(TITLES, concern) ? TITLES[concern as Concern] : null;
}
