/** Plain-text rendering of Replies for terminals (chat and ask). */
import type { Reply } from '../flows/activity.js';

export function formatReplies(replies: Reply[]): string {
  return replies
    .map((r) => {
      const lines = [r.urgent ? `!! ${r.text}` : r.text];
      if (r.citations?.length) lines.push(`Căn cứ: ${r.citations.join('; ')}`);
      for (const l of r.links ?? []) lines.push(`${l.label}: ${l.url}`);
      r.choices?.forEach((c, i) => lines.push(`  [${i + 1}] ${c.label}`));
      return lines.join('\n');
    })
    .join('\n\n');
}
