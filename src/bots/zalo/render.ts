/**
 * Reply → Zalo consultation messages, within Zalo's limits (docs/platforms/zalo.md):
 * text ≤ 2,000 characters, split on paragraph, line, sentence and finally word boundaries;
 * citations as a short "Căn cứ: …" block under the answer; choices as buttons up to the cap
 * (taps come back as text carrying POSTBACK_PREFIX), the rest as numbered lines; links as
 * buttons when slots remain, else as plain URLs (Zalo makes them tappable); urgent replies
 * marked at the start.
 */
import type { Choice, Link, Reply } from '../../flows/activity.js';
import type { ZaloButton } from './client.js';
import { POSTBACK_PREFIX } from './events.js';
import { isWebUrl } from '../delivery/links.js';

export const ZALO_TEXT_LIMIT = 2000;
/** Buttons per message; see docs/platforms/zalo.md for how sure we are. */
export const ZALO_MAX_BUTTONS = 5;
export const ZALO_BUTTON_TITLE_LIMIT = 100;
export const ZALO_BUTTON_PAYLOAD_LIMIT = 1000;

export type ZaloOutboundMessage = { kind: 'text'; text: string } | { kind: 'buttons'; text: string; buttons: ZaloButton[] };

export interface RenderOptions {
  maxChars?: number;
  maxButtons?: number;
  /** false renders every choice as a numbered line (a switch in case Zalo refuses the button shape). */
  buttons?: boolean;
}

const URGENT_MARK = '🚨 ';
const BUTTONS_FALLBACK_TEXT = 'Mời bạn chọn:';

interface Piece {
  text: string;
  /** Joiner before this piece, or null when it must start a new message. */
  sep: string | null;
}

const LEVELS: Array<{ re: RegExp; sep: string }> = [
  { re: /\n[ \t]*\n\s*/, sep: '\n\n' }, // paragraphs
  { re: /\n/, sep: '\n' }, // lines
  { re: /(?<=[.!?…])\s+/, sep: ' ' }, // sentences
  { re: /\s+/, sep: ' ' }, // words
];

function pack(pieces: Piece[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const p of pieces) {
    if (!cur) cur = p.text;
    else if (p.sep !== null && cur.length + p.sep.length + p.text.length <= max) cur += p.sep + p.text;
    else {
      out.push(cur);
      cur = p.text;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Only a single "word" longer than the limit (a huge URL) is cut, on code point boundaries. */
function hardCut(text: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (cur.length + ch.length > max) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function splitAt(text: string, max: number, level: number): string[] {
  if (text.length <= max) return [text];
  const lvl = LEVELS[level];
  if (!lvl) return hardCut(text, max);
  const parts = text
    .split(lvl.re)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length <= 1) return splitAt(text, max, level + 1);
  const pieces: Piece[] = [];
  for (const part of parts) {
    const sub = part.length > max ? splitAt(part, max, level + 1) : [part];
    // Chunks of one oversized part were already packed at the finer level: keep them apart.
    sub.forEach((s, j) => pieces.push({ text: s, sep: j === 0 ? lvl.sep : null }));
  }
  return pack(pieces, max);
}

/** Splits text into chunks of at most `max` characters, never inside a word (unless one word exceeds `max`). */
export function splitText(text: string, max = ZALO_TEXT_LIMIT): string[] {
  const t = text.trim();
  if (!t) return [];
  return splitAt(t, max, 0);
}

function shorten(label: string, max: number): string {
  const l = label.replace(/\s+/g, ' ').trim();
  if (l.length <= max) return l;
  const cut = l.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}


function numbered(choices: Array<{ choice: Choice; n: number }>): string {
  // Engine labels for clarify lists already start with their number ("1. …").
  return choices.map(({ choice, n }) => (/^\d+[.)]\s/.test(choice.label) ? choice.label : `${n}. ${choice.label}`)).join('\n');
}

function citationBlock(citations: string[]): string | undefined {
  const unique = [...new Set(citations.map((c) => c.trim()).filter(Boolean))];
  if (unique.length === 0) return undefined;
  const body = unique.join('; ');
  return `Căn cứ: ${body}${/[.!?…]$/.test(body) ? '' : '.'}`;
}

function linkLines(links: Link[]): string | undefined {
  if (links.length === 0) return undefined;
  return links.map((l) => (l.label.trim() ? `${l.label.trim()}: ${l.url}` : l.url)).join('\n');
}

/** Renders one Reply as the ordered Zalo messages to send. */
export function renderReply(reply: Reply, opts: RenderOptions = {}): ZaloOutboundMessage[] {
  const max = opts.maxChars ?? ZALO_TEXT_LIMIT;
  const maxButtons = opts.buttons === false ? 0 : (opts.maxButtons ?? ZALO_MAX_BUTTONS);

  const buttons: ZaloButton[] = [];
  const textChoices: Array<{ choice: Choice; n: number }> = [];
  (reply.choices ?? []).forEach((choice, i) => {
    const payload = `${POSTBACK_PREFIX}${choice.payload}`;
    if (buttons.length < maxButtons && payload.length <= ZALO_BUTTON_PAYLOAD_LIMIT) {
      buttons.push({ type: 'oa.query.hide', title: shorten(choice.label, ZALO_BUTTON_TITLE_LIMIT), payload });
    } else {
      textChoices.push({ choice, n: i + 1 });
    }
  });
  const textLinks: Link[] = [];
  for (const link of reply.links ?? []) {
    if (buttons.length < maxButtons && isWebUrl(link.url) && link.label.trim()) {
      buttons.push({ type: 'oa.open.url', title: shorten(link.label, ZALO_BUTTON_TITLE_LIMIT), payload: { url: link.url } });
    } else {
      textLinks.push(link);
    }
  }

  const main = reply.text.normalize('NFC').trim();
  const blocks = [
    reply.urgent && main ? `${URGENT_MARK}${main}` : main,
    citationBlock(reply.citations ?? []),
    linkLines(textLinks),
    textChoices.length ? numbered(textChoices) : undefined,
  ].filter((b): b is string => !!b);
  const chunks = splitText(blocks.join('\n\n').normalize('NFC'), max);

  if (buttons.length === 0) return chunks.map((text) => ({ kind: 'text' as const, text }));
  const last = chunks.pop() ?? BUTTONS_FALLBACK_TEXT;
  return [...chunks.map((text) => ({ kind: 'text' as const, text })), { kind: 'buttons' as const, text: last, buttons }];
}
