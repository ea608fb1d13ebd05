/**
 * Reply → sendMessage calls for the Telegram Bot API, in HTML parse mode with everything
 * escaped: text ≤ 4,096 characters per message, split at paragraph (then sentence) boundaries;
 * citations as a "Căn cứ:" block; choices as an inline keyboard on the last message, with
 * callback_data ≤ 64 bytes (long payloads become registry tokens); links as URL buttons.
 * Limits and sources: docs/platforms/telegram.md.
 */
import type { Reply } from '../../flows/activity.js';
import { shorten, splitText } from '../messenger/split.js';
import type { CallbackDataRegistry } from './callback-data.js';
import { isWebUrl } from '../delivery/links.js';

export const TELEGRAM_LIMITS = {
  /** Characters after entity parsing; we measure the unescaped text, which is what Telegram counts. */
  text: 4096,
  callbackDataBytes: 64,
  /** Not a Telegram limit: long labels are cut so buttons stay readable on a phone. */
  buttonLabel: 60,
} as const;

export type InlineButton = { text: string; callback_data: string } | { text: string; url: string };

export interface TelegramOutgoing {
  text: string;
  parse_mode: 'HTML';
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}


/** The citations block, as plain text (for measuring) and as HTML (for sending). */
function citations(reply: Reply): { plain: string; html: string } | undefined {
  const list = (reply.citations ?? []).map((c) => c.trim()).filter(Boolean);
  if (!list.length) return undefined;
  const body = list.join('; ');
  return { plain: `Căn cứ: ${body}`, html: `<b>Căn cứ:</b> ${escapeHtml(body)}` };
}

/** Renders one Reply to one or more sendMessage payloads (chat_id is added by the sender). */
export function renderTelegramReply(reply: Reply, registry: CallbackDataRegistry): TelegramOutgoing[] {
  const max = TELEGRAM_LIMITS.text;
  const links = reply.links ?? [];
  const urlLinks = links.filter((l) => isWebUrl(l.url));
  const textLinks = links.filter((l) => !isWebUrl(l.url));

  const bodyText = [reply.text.trim(), ...(textLinks.length ? [textLinks.map((l) => `${l.label}: ${l.url}`).join('\n')] : [])]
    .filter(Boolean)
    .join('\n\n');
  const plainParts = splitText(bodyText, max);
  const htmlParts = plainParts.map(escapeHtml);

  const cite = citations(reply);
  if (cite) {
    const lastLen = plainParts.at(-1)?.length;
    if (lastLen !== undefined && lastLen + 2 + cite.plain.length <= max) {
      htmlParts[htmlParts.length - 1] = `${htmlParts.at(-1)}\n\n${cite.html}`;
    } else if (cite.plain.length <= max) {
      htmlParts.push(cite.html);
    } else {
      // An improbable wall of citations: split it like any text, heading on the first part only.
      const [first, ...rest] = splitText(cite.plain, max);
      if (first) htmlParts.push(`<b>Căn cứ:</b> ${escapeHtml(first.slice('Căn cứ: '.length))}`);
      htmlParts.push(...rest.map(escapeHtml));
    }
  }
  if (!htmlParts.length) htmlParts.push('…');

  const keyboard: InlineButton[][] = [
    // One button per row: Vietnamese labels are long and phones are narrow.
    ...(reply.choices ?? [])
      .filter((c) => c.label.trim() && c.payload)
      .map((c) => [{ text: shorten(c.label, TELEGRAM_LIMITS.buttonLabel), callback_data: registry.encode(c.payload) }]),
    ...urlLinks.map((l) => [{ text: shorten(l.label, TELEGRAM_LIMITS.buttonLabel), url: l.url }]),
  ];

  return htmlParts.map((text, i): TelegramOutgoing => {
    const out: TelegramOutgoing = { text, parse_mode: 'HTML' };
    if (i === htmlParts.length - 1 && keyboard.length) out.reply_markup = { inline_keyboard: keyboard };
    return out;
  });
}

/** HTML → plain text, for resending a part Telegram could not parse (should never be needed). */
export function htmlToPlain(html: string): string {
  return html.replace(/<\/?b>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
