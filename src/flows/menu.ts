/**
 * Topic menus: a tap on "Điều kiện hưởng BHTN" lists that subject's most asked questions.
 * A menu names the KB topics (file topics) it draws from, in order; the first entries of
 * each topic are the ones curators put first in the file.
 */
import type { Reply } from './activity.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import { entryLabel } from './answer.js';
import { PAYLOAD } from './texts.js';

const MENUS: Record<string, { title: string; topics: string[] }> = {
  bhtn: { title: 'Bảo hiểm thất nghiệp', topics: ['bhtn-dieu-kien', 'bhtn-ho-so', 'bhtn-muc-huong', 'bhtn-thoi-gian-huong', 'bhtn-trong-khi-huong'] },
  ld: { title: 'Nghỉ việc và hợp đồng lao động', topics: ['lao-dong-nghi-viec', 'lao-dong-hop-dong', 'lao-dong-bi-cho-nghi', 'lao-dong-tro-cap', 'lao-dong-thu-viec'] },
  luong: { title: 'Lương, tăng ca, nghỉ phép', topics: ['lao-dong-tien-luong', 'lao-dong-luong-toi-thieu', 'lao-dong-lam-them', 'lao-dong-nghi-phep', 'lao-dong-nghi-le'] },
};

const PER_TOPIC = 2;
const MAX_CHOICES = 8;

export function topicMenu(kb: KnowledgeBase, key: string, day: string): Reply | undefined {
  const menu = MENUS[key];
  const topics = menu?.topics ?? (kb.topicTitle(key) ? [key] : []);
  const servable = kb.servable(day);
  const choices = [];
  for (const topic of topics) {
    const entries = servable.filter((e) => e.topic === topic).slice(0, topics.length === 1 ? MAX_CHOICES : PER_TOPIC);
    for (const e of entries) choices.push({ label: entryLabel(e), payload: `${PAYLOAD.faq}${e.id}` });
  }
  if (choices.length === 0) return undefined;
  const title = menu?.title ?? kb.topicTitle(key) ?? key;
  return { text: `${title}: bạn chọn câu hỏi, hoặc gõ câu hỏi của bạn.`, choices: choices.slice(0, MAX_CHOICES) };
}
