/**
 * Zalo webhook events → Activities, from payloads shaped as in Zalo's documentation and
 * public integrations (see docs/platforms/zalo.md).
 */
import { describe, expect, it } from 'vitest';
import { POSTBACK_PREFIX, toActivities } from '../src/bots/zalo/events.js';

const APP = '3608465248940903967';
const OA = '388613280878808645';
const USER = '2468458835296117922';
const TS = '1767225600000';
const now = () => new Date('2030-01-01T00:00:00Z');

function userEvent(event_name: string, message: Record<string, unknown>) {
  return { app_id: APP, user_id_by_app: '552177279717587730', event_name, timestamp: TS, sender: { id: USER }, recipient: { id: OA }, message };
}

describe('zalo events', () => {
  it('user_send_text → text activity keyed on msg_id', () => {
    const r = toActivities(userEvent('user_send_text', { text: 'Cho em hỏi điều kiện hưởng bhtn ạ', msg_id: '96d3cdf3af150460909' }), { now });
    expect(r).toEqual([
      {
        channel: 'zalo',
        userId: USER,
        conversationId: USER,
        messageId: '96d3cdf3af150460909',
        text: 'Cho em hỏi điều kiện hưởng bhtn ạ',
        timestamp: new Date(Number(TS)),
      },
    ]);
  });

  it('a button tap (oa.query.hide payload echoed as text) → postback', () => {
    const r = toActivities(userEvent('user_send_text', { text: `${POSTBACK_PREFIX}FAQ:bhtn-dieu-kien`, msg_id: 'm2' }));
    expect(Array.isArray(r) && r[0]).toMatchObject({ postback: 'FAQ:bhtn-dieu-kien', messageId: 'm2' });
    expect(Array.isArray(r) && r[0]?.text).toBeUndefined();
  });

  it('follow → START with a stable id; unfollow → UNFOLLOW', () => {
    const follow = { oa_id: OA, follower: { id: USER }, user_id_by_app: '552172779717587730', event_name: 'follow', source: 'oa_profile', app_id: APP, timestamp: TS };
    const a = toActivities(follow);
    const b = toActivities(JSON.parse(JSON.stringify(follow)));
    expect(a).toMatchObject([{ channel: 'zalo', userId: USER, conversationId: USER, postback: 'START', timestamp: new Date(Number(TS)) }]);
    expect(Array.isArray(a) && Array.isArray(b) && a[0]?.messageId === b[0]?.messageId).toBe(true);
    expect(Array.isArray(a) && a[0]?.messageId).toBe(`follow:${USER}:${TS}`);
    const un = toActivities({ ...follow, event_name: 'unfollow' });
    expect(un).toMatchObject([{ postback: 'UNFOLLOW', messageId: `unfollow:${USER}:${TS}` }]);
  });

  it('image, gif, sticker, audio, video, file, link and location → attachments without text', () => {
    const cases: Array<[string, Record<string, unknown>, object]> = [
      ['user_send_image', { msg_id: 'i1', text: '', attachments: [{ type: 'image', payload: { thumbnail: 'https://dl.zalo.me/t.jpg', url: 'https://dl.zalo.me/a.jpg' } }] }, { kind: 'image', url: 'https://dl.zalo.me/a.jpg' }],
      ['user_send_gif', { msg_id: 'g1', attachments: [{ type: 'gif', payload: { url: 'https://dl.zalo.me/a.gif' } }] }, { kind: 'image', url: 'https://dl.zalo.me/a.gif' }],
      ['user_send_sticker', { msg_id: 's1', attachments: [{ type: 'sticker', payload: { id: 'bfe458bf64fa8da4d4eb', url: 'https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=1' } }] }, { kind: 'sticker', url: 'https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=1' }],
      ['user_send_audio', { msg_id: 'a1', attachments: [{ type: 'audio', payload: { url: 'https://voice.zalo.me/v.aac' } }] }, { kind: 'audio', url: 'https://voice.zalo.me/v.aac' }],
      ['user_send_video', { msg_id: 'v1', attachments: [{ type: 'video', payload: { url: 'https://video.zalo.me/v.mp4', thumbnail: 'https://video.zalo.me/t.jpg' } }] }, { kind: 'other', url: 'https://video.zalo.me/v.mp4' }],
      ['user_send_file', { msg_id: 'f1', attachments: [{ type: 'file', payload: { url: 'https://f.zalo.me/hd.pdf', name: 'hop-dong-lao-dong.pdf', size: '1024000', type: 'pdf', checksum: 'abc' } }] }, { kind: 'file', url: 'https://f.zalo.me/hd.pdf', name: 'hop-dong-lao-dong.pdf' }],
      ['user_send_link', { msg_id: 'l1', attachments: [{ type: 'link', payload: { url: 'https://baohiemxahoi.gov.vn/', description: 'BHXH Việt Nam', thumbnail: 'https://x/t.png' } }] }, { kind: 'link', url: 'https://baohiemxahoi.gov.vn/', name: 'BHXH Việt Nam' }],
      ['user_send_location', { msg_id: 'p1', attachments: [{ type: 'location', payload: { coordinates: { latitude: '10.7642473', longitude: '106.6564314' } } }] }, { kind: 'location', url: 'geo:10.7642473,106.6564314' }],
    ];
    for (const [name, message, attachment] of cases) {
      const r = toActivities(userEvent(name, message));
      expect(Array.isArray(r), name).toBe(true);
      if (!Array.isArray(r)) continue;
      expect(r).toHaveLength(1);
      expect(r[0]?.text, name).toBeUndefined();
      expect(r[0]?.postback, name).toBeUndefined();
      expect(r[0]?.messageId, name).toBe(message.msg_id);
      expect(r[0]?.attachments, name).toEqual([attachment]);
    }
  });

  it('tolerates variant shapes: numeric coordinates, location outside attachments, missing attachments', () => {
    const a = toActivities(userEvent('user_send_location', { msg_id: 'p2', attachments: [{ type: 'location', payload: { coordinates: { lat: 21.0285, long: 105.8542 } } }] }));
    expect(Array.isArray(a) && a[0]?.attachments).toEqual([{ kind: 'location', url: 'geo:21.0285,105.8542' }]);
    const b = toActivities(userEvent('user_send_location', { msg_id: 'p3', location: { latitude: '10.76', longitude: '106.66' } }));
    expect(Array.isArray(b) && b[0]?.attachments).toEqual([{ kind: 'location', url: 'geo:10.76,106.66' }]);
    const c = toActivities(userEvent('user_send_sticker', { msg_id: 's2' }));
    expect(Array.isArray(c) && c[0]?.attachments).toEqual([{ kind: 'sticker' }]);
    // Non-web URLs are not passed on.
    const d = toActivities(userEvent('user_send_image', { msg_id: 'i2', attachments: [{ type: 'image', payload: { url: 'javascript:alert(1)' } }] }));
    expect(Array.isArray(d) && d[0]?.attachments).toEqual([{ kind: 'image' }]);
    // Ids that arrive as numbers keep their digits as strings.
    const e = toActivities({ ...userEvent('user_send_text', { text: 'hi', msg_id: 123 }), sender: { id: 42 } });
    expect(Array.isArray(e) && e[0]).toMatchObject({ userId: '42', messageId: '123' });
  });

  it('user_click_chatnow → START for the user', () => {
    const r = toActivities({ app_id: APP, oa_id: OA, user_id: USER, user_id_by_app: '1', event_name: 'user_click_chatnow', timestamp: TS });
    expect(r).toMatchObject([{ userId: USER, postback: 'START', messageId: `user_click_chatnow:${USER}:${TS}` }]);
  });

  it('ignores user_submit_info without keeping its personal details', () => {
    const r = toActivities({
      sender: { id: USER },
      recipient: { id: OA },
      event_name: 'user_submit_info',
      app_id: APP,
      timestamp: TS,
      info: { name: 'Nguyễn Văn A', phone: '84912345678', address: 'KCX Tân Thuận' },
    });
    expect(r).toEqual({ ignored: expect.stringContaining('user_submit_info') });
    expect(JSON.stringify(r)).not.toContain('84912345678');
  });

  it('ignores our own echoes, status events, group events and unknown events', () => {
    const echo = { app_id: APP, event_name: 'oa_send_text', timestamp: TS, sender: { id: OA, admin_id: '1' }, recipient: { id: USER }, message: { text: 'Xin chào', msg_id: 'x' } };
    for (const name of ['oa_send_text', 'oa_send_image', 'oa_send_list', 'oa_send_file', 'oa_send_sticker', 'oa_send_gif']) {
      expect(toActivities({ ...echo, event_name: name })).toEqual({ ignored: expect.stringContaining(name) });
    }
    expect(toActivities({ ...echo, event_name: 'user_seen_message' })).toHaveProperty('ignored');
    expect(toActivities(userEvent('user_send_group_text', { text: 'hi', msg_id: 'g' }))).toEqual({ ignored: expect.stringContaining('group') });
    expect(toActivities({ app_id: APP, event_name: 'add_user_to_tag', oa_id: OA, tag: { user_ids: [USER], name: 'x' }, timestamp: TS })).toHaveProperty('ignored');
    expect(toActivities({ app_id: APP, event_name: 'something_new_2027', timestamp: TS })).toHaveProperty('ignored');
  });

  it('ignores malformed events and empty texts instead of throwing', () => {
    expect(toActivities(null)).toHaveProperty('ignored');
    expect(toActivities([])).toHaveProperty('ignored');
    expect(toActivities({ event_name: 'user_send_text', sender: { id: USER } })).toEqual({ ignored: expect.stringMatching(/^malformed user_send_text/) });
    expect(toActivities({ event_name: 'follow' })).toEqual({ ignored: expect.stringMatching(/^malformed follow/) });
    expect(toActivities(userEvent('user_send_text', { text: '   ', msg_id: 'e' }))).toEqual({ ignored: 'empty text message' });
  });

  it('falls back to the clock only when the timestamp is unusable', () => {
    const r = toActivities({ ...userEvent('user_send_text', { text: 'a', msg_id: 't' }), timestamp: 'n/a' }, { now });
    expect(Array.isArray(r) && r[0]?.timestamp).toEqual(now());
  });
});
