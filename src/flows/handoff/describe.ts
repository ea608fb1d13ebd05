/**
 * A worker's message as one transcript line: the text, then each picture, sticker, voice
 * message, file or location described in Vietnamese, so that a counsellor (who reads the
 * transcript, not the platform) knows what was sent and can open it.
 */
import type { Attachment } from '../activity.js';

const KIND: Record<Attachment['kind'], string> = {
  image: 'Hình ảnh',
  sticker: 'Nhãn dán',
  audio: 'Tin nhắn thoại',
  file: 'Tệp đính kèm',
  location: 'Vị trí',
  link: 'Liên kết',
  other: 'Nội dung khác',
};

/** What it is, in words, without its link: "Hình ảnh", "Tệp đính kèm “hd.pdf”" (the console's alt text). */
export function attachmentLabel(a: Attachment): string {
  const label = KIND[a.kind] ?? KIND.other;
  return a.name ? `${label} “${a.name}”` : label;
}

export function describeAttachment(a: Attachment): string {
  const label = KIND[a.kind] ?? KIND.other;
  const detail = [a.name ? `“${a.name}”` : '', a.url ?? ''].filter((x) => x !== '').join(' ');
  return detail ? `[${label}: ${detail}]` : `[${label}]`;
}

/** '' when the worker sent nothing readable (a bare postback). */
export function describeActivity(text: string, attachments: readonly Attachment[] | undefined): string {
  return [text, ...(attachments ?? []).map(describeAttachment)].filter((x) => x !== '').join('\n');
}
