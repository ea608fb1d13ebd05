/**
 * Reply → Messenger Send API `message` objects, within Meta's limits:
 * text ≤ 2,000 characters per message, split at paragraph/sentence boundaries; up to 3
 * choices/links as a button template (text ≤ 640, button title ≤ 20) on the last part;
 * more choices as quick replies (≤ 13, title ≤ 20) on the last part; citations as a short
 * "Căn cứ: …" block; links as web_url buttons when there is room, else as text lines.
 * Limits and sources: docs/platforms/messenger.md.
 */
import type { Choice, Link, Reply } from '../../flows/activity.js';
import { shorten, splitText, splitTextWithShortLast } from './split.js';
import { isWebUrl } from '../delivery/links.js';

export const MESSENGER_LIMITS = {
  text: 2000,
  buttonTemplateText: 640,
  buttons: 3,
  quickReplies: 13,
  title: 20,
  payload: 1000,
} as const;

export interface QuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

export type TemplateButton = { type: 'postback'; title: string; payload: string } | { type: 'web_url'; title: string; url: string };

export type MessengerMessage =
  | { text: string; quick_replies?: QuickReply[] }
  | { attachment: { type: 'template'; payload: { template_type: 'button'; text: string; buttons: TemplateButton[] } } };

/** The citations block shown under an answer. */
export function citationsBlock(citations: readonly string[] | undefined): string | undefined {
  const list = (citations ?? []).map((c) => c.trim()).filter(Boolean);
  if (list.length === 0) return undefined;
  return `Căn cứ: ${list.join('; ')}.`.replace(/\.\.$/, '.');
}

function usableChoices(choices: readonly Choice[] | undefined): Choice[] {
  // A payload longer than Meta accepts would make the whole message fail; such a choice is dropped.
  return (choices ?? []).filter((c) => c.label.trim() !== '' && c.payload !== '' && c.payload.length <= MESSENGER_LIMITS.payload);
}


function linkLines(links: readonly Link[]): string {
  return links.map((l) => `${l.label}: ${l.url}`).join('\n');
}

/** Renders one Reply to one or more Send API message objects, in order. */
export function renderMessengerReply(reply: Reply): MessengerMessage[] {
  const choices = usableChoices(reply.choices);
  const allLinks = reply.links ?? [];
  const urlLinks = allLinks.filter((l) => isWebUrl(l.url));
  const otherLinks = allLinks.filter((l) => !isWebUrl(l.url));

  const useTemplate = choices.length + urlLinks.length > 0 && choices.length + urlLinks.length <= MESSENGER_LIMITS.buttons;
  const textLinks = useTemplate ? otherLinks : allLinks;

  const blocks = [reply.text.trim()];
  const cite = citationsBlock(reply.citations);
  if (cite) blocks.push(cite);
  if (textLinks.length) blocks.push(linkLines(textLinks));
  const body = blocks.filter(Boolean).join('\n\n');

  if (useTemplate) {
    const parts = splitTextWithShortLast(body || '…', MESSENGER_LIMITS.text, MESSENGER_LIMITS.buttonTemplateText);
    const last = parts.pop() ?? '…';
    const buttons: TemplateButton[] = [
      ...choices.map((c): TemplateButton => ({ type: 'postback', title: shorten(c.label, MESSENGER_LIMITS.title), payload: c.payload })),
      ...urlLinks.map((l): TemplateButton => ({ type: 'web_url', title: shorten(l.label, MESSENGER_LIMITS.title), url: l.url })),
    ];
    return [
      ...parts.map((text): MessengerMessage => ({ text })),
      { attachment: { type: 'template', payload: { template_type: 'button', text: last, buttons } } },
    ];
  }

  const parts = splitText(body || '…', MESSENGER_LIMITS.text);
  const messages: MessengerMessage[] = parts.map((text) => ({ text }));
  if (choices.length > 0) {
    const last = messages.at(-1);
    if (last && 'text' in last) {
      last.quick_replies = choices.slice(0, MESSENGER_LIMITS.quickReplies).map((c) => ({
        content_type: 'text',
        title: shorten(c.label, MESSENGER_LIMITS.title),
        payload: c.payload,
      }));
    }
  }
  return messages;
}
