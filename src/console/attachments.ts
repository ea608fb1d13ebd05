/**
 * A worker's pictures and files, for the counsellor who reads the chat: which of a line's
 * attachments can be opened, fetching one again from its platform, and how it is answered.
 *
 * The bytes come from the platform at each request and are never stored here: the worker's
 * documents stay where the worker put them, and `xóa dữ liệu` has nothing more to erase.
 * Fetching goes through the server because Telegram's file links carry the bot token, and
 * because a console page may load images from its own origin only (CSP `img-src 'self'`).
 */
import type { Attachment, Channel } from '../flows/activity.js';
import { attachmentLabel, describeAttachment } from '../flows/handoff/describe.js';
import { fetchCapped, FILE_LIMITS, FileFetchError, webUrl, type FetchedFile, type FileFailure, type FileLimits } from '../bots/files.js';

/** Fetches Telegram files by file_id (TelegramClient.downloadFile). */
export interface TelegramFiles {
  downloadFile(fileId: string, limits: FileLimits): Promise<FetchedFile>;
}

/** Stickers, locations and links stay as their description: there is nothing to open. */
const OPENABLE: ReadonlySet<Attachment['kind']> = new Set(['image', 'file', 'audio', 'other']);

/** An attachment of a line as the console's chat view gets it (never its URL or file id). */
export interface AttachmentView {
  /** Its place among the line's attachments. */
  n: number;
  kind: Attachment['kind'];
  name?: string;
  /** The line of the transcript text that describes it ("[Hình ảnh: https://…]"): shown no more beside the picture. */
  description: string;
  /** What it is, without its link ("Hình ảnh", "Tệp đính kèm “hd.pdf”"): the picture's alt text, the file link's words. */
  label: string;
  /** Where the console fetches it (same origin, the session's cookie). */
  href: string;
}

export function openable(channel: Channel, a: Attachment): boolean {
  if (!OPENABLE.has(a.kind)) return false;
  return (channel === 'telegram' && Boolean(a.fileId)) || webUrl(a.url) !== undefined;
}

/** The attachments of transcript line `line` that a counsellor can open. */
export function attachmentViews(conversationId: string, channel: Channel, line: number, attachments: readonly Attachment[] | undefined): AttachmentView[] {
  const views: AttachmentView[] = [];
  (attachments ?? []).forEach((a, n) => {
    if (!openable(channel, a)) return;
    views.push({
      n,
      kind: a.kind,
      ...(a.name ? { name: a.name } : {}),
      description: describeAttachment(a),
      label: attachmentLabel(a),
      href: `/console/api/conversations/${encodeURIComponent(conversationId)}/attachments/${line}/${n}`,
    });
  });
  return views;
}

/** Where a worker's files come from: Telegram by file_id, the others by their CDN URL. */
export class WorkerFiles {
  constructor(private readonly opts: { telegram?: TelegramFiles; limits?: FileLimits } = {}) {}

  async fetch(channel: Channel, a: Attachment): Promise<FetchedFile> {
    const limits = this.opts.limits ?? FILE_LIMITS;
    if (!openable(channel, a)) throw new FileFetchError('unsupported', 'nothing to fetch');
    if (channel === 'telegram' && a.fileId) {
      if (!this.opts.telegram) throw new FileFetchError('unsupported', 'the Telegram channel is off');
      return this.opts.telegram.downloadFile(a.fileId, limits);
    }
    return fetchCapped(webUrl(a.url)!, limits);
  }
}

/** What the console is told when a file cannot be had, by why. */
export const FILE_ERRORS: Record<FileFailure, { status: number; code: string; message: string }> = {
  gone: { status: 502, code: 'FILE_GONE', message: 'Không tải được tệp này nữa: nền tảng không còn giữ tệp hoặc đường dẫn đã hết hạn.' },
  'too-large': { status: 413, code: 'FILE_TOO_LARGE', message: `Tệp lớn quá (hơn ${FILE_LIMITS.maxBytes / (1024 * 1024)} MB), không mở được ở đây. Bạn nhờ người lao động gửi ảnh nhỏ hơn nhé.` },
  unavailable: { status: 502, code: 'FILE_UNAVAILABLE', message: 'Chưa tải được tệp từ nền tảng, bạn thử lại sau ít phút nhé.' },
  unsupported: { status: 502, code: 'FILE_UNSUPPORTED', message: 'Không tải được tệp này: kênh của người lao động không còn được cấu hình.' },
};

/**
 * The types a browser may render from our origin. Not every image/*: an SVG is a document that
 * can carry script, so it (and anything else) is only offered as a download.
 */
const RENDERED = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/avif', 'image/heic', 'image/heif', 'application/pdf']);

/** The file's own signature, for platforms that answer without a usable type. */
function sniff(bytes: Buffer): string | undefined {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

export interface ServedAs {
  contentType: string;
  contentDisposition: string;
}

/**
 * How the bytes are answered: the platform's type (else the one announced with the message,
 * else the file's signature) when a browser may render it, shown inline; anything else as
 * application/octet-stream, to download.
 */
export function servedAs(file: FetchedFile, a: Attachment): ServedAs {
  const clean = (t: string | undefined) => t?.split(';')[0]?.trim().toLowerCase();
  const type = [clean(file.contentType), clean(a.mimeType), sniff(file.bytes)].find((t): t is string => t !== undefined && RENDERED.has(t));
  const name = a.name ?? (a.kind === 'image' ? 'hinh-anh' : 'tep-dinh-kem');
  return {
    contentType: type ?? 'application/octet-stream',
    contentDisposition: `${type ? 'inline' : 'attachment'}; filename="${name.normalize('NFD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '_') || 'tep'}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  };
}
