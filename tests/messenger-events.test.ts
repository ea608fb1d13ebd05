import { describe, expect, it } from 'vitest';
import { toActivities } from '../src/bots/messenger/events.js';
import { signMessengerBody, verifyMessengerSignature } from '../src/bots/messenger/verify.js';

const PAGE = '109876543210987';
const PSID = '2400000000000001';
const T0 = 1767225600000; // 2026-01-01T00:00:00Z

/** Shapes follow Meta's webhook reference samples (see docs/platforms/messenger.md). */
function webhook(...events: object[]) {
  return { object: 'page', entry: [{ id: PAGE, time: T0, messaging: events }] };
}
const envelope = (extra: object, ts = T0) => ({ sender: { id: PSID }, recipient: { id: PAGE }, timestamp: ts, ...extra });

describe('Messenger signature', () => {
  const secret = 'app-secret-for-tests';
  const raw = JSON.stringify(webhook(envelope({ message: { mid: 'm_1', text: 'Chào bạn, cho mình hỏi về BHTN' } })));

  it('accepts the HMAC-SHA256 of the raw body', () => {
    expect(verifyMessengerSignature(raw, signMessengerBody(raw, secret), secret)).toEqual({ ok: true });
    expect(verifyMessengerSignature(Buffer.from(raw), signMessengerBody(raw, secret).toUpperCase().replace('SHA256=', 'sha256='), secret)).toEqual({ ok: true });
  });

  it('refuses forged, re-serialised, malformed and missing signatures', () => {
    expect(verifyMessengerSignature(raw, signMessengerBody(raw, 'another-secret'), secret)).toEqual({ ok: false, reason: 'mismatch' });
    // The same JSON with different whitespace is a different body: only raw bytes count.
    const reserialised = JSON.stringify(JSON.parse(raw), null, 1);
    expect(verifyMessengerSignature(reserialised, signMessengerBody(raw, secret), secret)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyMessengerSignature(raw, 'sha1=abcdef', secret)).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(verifyMessengerSignature(raw, `sha256=${'0'.repeat(63)}`, secret)).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(verifyMessengerSignature(raw, undefined, secret)).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('Messenger events → Activities', () => {
  it('maps a text message with its mid', () => {
    const r = toActivities(webhook(envelope({ message: { mid: 'm_AbC123', text: 'Tôi nghỉ việc thì có được hưởng trợ cấp thất nghiệp không?' } })));
    expect(r?.activities).toEqual([
      {
        channel: 'messenger',
        userId: PSID,
        conversationId: PSID,
        messageId: 'm_AbC123',
        text: 'Tôi nghỉ việc thì có được hưởng trợ cấp thất nghiệp không?',
        timestamp: new Date(T0),
      },
    ]);
    expect(r?.ignored).toEqual([]);
  });

  it('turns a quick reply into a postback and keeps the tapped title as text', () => {
    const r = toActivities(webhook(envelope({ message: { mid: 'm_qr', text: 'Gặp tư vấn viên', quick_reply: { payload: 'HANDOFF' } } })));
    expect(r?.activities[0]).toMatchObject({ messageId: 'm_qr', postback: 'HANDOFF', text: 'Gặp tư vấn viên' });
  });

  it('maps postbacks with and without mid; Get Started is START; menu payloads become engine payloads', () => {
    const r = toActivities(
      webhook(
        envelope({ postback: { title: 'Bắt đầu', payload: 'START', mid: 'm_pb1' } }),
        envelope({ postback: { title: 'Get Started', payload: 'GET_STARTED' } }, T0 + 5),
        envelope({ postback: { title: 'Tính trợ cấp', payload: 'CALC_UNEMPLOYMENT', mid: 'm_pb3' } }, T0 + 9),
        envelope({ postback: { title: 'Hỏi về BHTN', payload: 'MENU_BHTN', mid: 'm_pb4' } }, T0 + 10),
      ),
    );
    const acts = r?.activities ?? [];
    expect(acts.map((a) => a.postback)).toEqual(['START', 'START', 'CALC:unemployment', 'TOPIC:bhtn']);
    expect(acts[0]?.messageId).toBe('m_pb1');
    // Without mid, an id derived from sender, time and payload: the same on every redelivery.
    const again = toActivities(webhook(envelope({ postback: { title: 'Get Started', payload: 'GET_STARTED' } }, T0 + 5)));
    expect(acts[1]?.messageId).toMatch(/^pb:/);
    expect(again?.activities[0]?.messageId).toBe(acts[1]?.messageId);
  });

  it('maps attachments: image, sticker (thumbs-up), audio, file, location, shared link', () => {
    const r = toActivities(
      webhook(
        envelope({ message: { mid: 'm_img', attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/photo.jpg' } }] } }),
        envelope({ message: { mid: 'm_stk', sticker_id: 369239263222822, attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/like.png', sticker_id: 369239263222822 } }] } }),
        envelope({ message: { mid: 'm_aud', attachments: [{ type: 'audio', payload: { url: 'https://cdn.fbsbx.com/v/audio.mp4' } }] } }),
        envelope({ message: { mid: 'm_file', attachments: [{ type: 'file', payload: { url: 'https://cdn.fbsbx.com/v/hopdong.pdf' } }] } }),
        envelope({ message: { mid: 'm_loc', attachments: [{ type: 'location', title: 'Vị trí', payload: { coordinates: { lat: 21.0278, long: 105.8342 } } }] } }),
        envelope({ message: { mid: 'm_link', text: 'xem bài này', attachments: [{ type: 'fallback', title: 'Bài báo', url: 'https://example.vn/bai-bao', payload: null }] } }),
      ),
    );
    const a = r?.activities ?? [];
    expect(a.map((x) => x.attachments?.[0]?.kind)).toEqual(['image', 'sticker', 'audio', 'file', 'location', 'link']);
    expect(a[0]?.attachments?.[0]?.url).toBe('https://scontent.xx.fbcdn.net/v/photo.jpg');
    expect(a[4]?.attachments?.[0]?.url).toBe('geo:21.0278,105.8342');
    expect(a[5]?.text).toBe('xem bài này');
    expect(a[5]?.attachments?.[0]?.url).toBe('https://example.vn/bai-bao');
  });

  it('ignores echoes, delivery and read receipts, reactions and standby events', () => {
    const body = {
      object: 'page',
      entry: [
        {
          id: PAGE,
          time: T0,
          messaging: [
            { sender: { id: PAGE }, recipient: { id: PSID }, timestamp: T0, message: { is_echo: true, app_id: 1517776481860111, mid: 'm_echo', text: 'Xin chào' } },
            envelope({ delivery: { mids: ['m_echo'], watermark: T0 } }),
            envelope({ read: { watermark: T0 } }),
            envelope({ reaction: { mid: 'm_echo', action: 'react', reaction: 'love', emoji: '❤' } }),
          ],
          standby: [envelope({ message: { mid: 'm_other_app', text: 'hi' } })],
        },
      ],
    };
    const r = toActivities(body);
    expect(r?.activities).toEqual([]);
    expect(r?.ignored.map((i) => i.reason)).toEqual([
      'standby: another app controls the thread',
      'echo of a message the page sent',
      'delivery receipt',
      'read receipt',
      'reaction',
    ]);
  });

  it('splits a batch of several entries and events into several activities, in order', () => {
    const body = {
      object: 'page',
      entry: [
        { id: PAGE, time: T0, messaging: [envelope({ message: { mid: 'm_a', text: 'một' } }), envelope({ message: { mid: 'm_b', text: 'hai' } })] },
        { id: PAGE, time: T0, messaging: [{ sender: { id: '2400000000000002' }, recipient: { id: PAGE }, timestamp: T0, message: { mid: 'm_c', text: 'ba' } }] },
      ],
    };
    const r = toActivities(body);
    expect(r?.activities.map((a) => [a.messageId, a.userId, a.text])).toEqual([
      ['m_a', PSID, 'một'],
      ['m_b', PSID, 'hai'],
      ['m_c', '2400000000000002', 'ba'],
    ]);
  });

  it('keeps the good events of a batch when one is malformed, and refuses non-page bodies', () => {
    const r = toActivities(webhook({ sender: {}, timestamp: 'soon' }, envelope({ message: { mid: 'm_ok', text: 'ổn' } })));
    expect(r?.activities.map((a) => a.messageId)).toEqual(['m_ok']);
    expect(r?.ignored).toHaveLength(1);
    expect(toActivities({ object: 'instagram', entry: [] })).toBeNull();
    expect(toActivities({ hello: 'world' })).toBeNull();
  });
});
