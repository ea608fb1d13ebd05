/**
 * Call-back tickets as the console shows them. A ticket's phone number is personal data given
 * for one purpose (a call-back), so the list shows it masked to every counsellor; the full
 * number comes only from an explicit "show the number" action, which the audit log records
 * (who, when, which ticket). Once the call-back is done only an admin can still see it.
 */
import type { Ticket } from '../flows/handoff/records.js';

/** Digits kept visible: enough to say "the number ending in 678" on the phone, not to dial. */
const VISIBLE_DIGITS = 3;

/** "0912345678" → "•••••••678"; "+84 912 345 678" → "+•• ••• ••• 678" (the layout kept). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '').length;
  let seen = 0;
  let out = '';
  for (const ch of phone) {
    if (/\d/.test(ch)) {
      seen += 1;
      out += seen > digits - VISIBLE_DIGITS ? ch : '•';
    } else out += ch;
  }
  return out;
}

export interface TicketView {
  id: number;
  conversationId: string;
  channel: Ticket['channel'];
  displayName: string | null;
  message: string;
  /** Masked; null when the worker left no number. */
  phoneMasked: string | null;
  createdAt: string;
  /** The counsellor calling back, when one has taken it. */
  takenBy: { id: string; name: string | null } | null;
}

export function ticketView(t: Ticket, displayName: string | null, takerName: string | null = null): TicketView {
  return {
    id: t.id,
    conversationId: t.conversationId,
    channel: t.channel,
    displayName,
    message: t.message,
    phoneMasked: t.phone ? maskPhone(t.phone) : null,
    createdAt: t.createdAt.toISOString(),
    takenBy: t.takenBy ? { id: t.takenBy, name: takerName } : null,
  };
}

/**
 * Who may see the full number: the counsellor who took the open call-back (taking it comes
 * first, so that two do not call the same worker), admins always.
 */
export function mayRevealPhone(t: Ticket, me: { id: string; role: 'admin' | 'counsellor' }): 'yes' | 'take-first' | 'done' | 'taken' {
  if (me.role === 'admin') return 'yes';
  if (t.status !== 'open') return 'done';
  if (t.takenBy === null) return 'take-first';
  return t.takenBy === me.id ? 'yes' : 'taken';
}
