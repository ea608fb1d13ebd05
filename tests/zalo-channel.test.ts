/**
 * The assembled Zalo channel: configuration from env, webhook in, replies out, against the fake.
 */
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createZaloChannel, loadZaloConfig, zaloWebhook } from '../src/bots/zalo/index.js';
import { computeZaloMac } from '../src/bots/zalo/verify.js';
import type { Activity } from '../src/flows/activity.js';
import { ZaloFake } from './fakes/zalo-fake.js';

let fake: ZaloFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('zalo channel', () => {
  it('is off without ZALO_APP_ID and names missing variables when half-configured', () => {
    expect(loadZaloConfig({})).toBeUndefined();
    expect(() => loadZaloConfig({ ZALO_APP_ID: '1' })).toThrow(/ZALO_APP_SECRET[\s\S]*ZALO_OA_SECRET_KEY/);
    const c = loadZaloConfig({ ZALO_APP_ID: '1', ZALO_APP_SECRET: 's', ZALO_OA_SECRET_KEY: 'k' });
    expect(c).toMatchObject({ ZALO_API_ROOT: 'https://openapi.zalo.me', ZALO_OAUTH_ROOT: 'https://oauth.zaloapp.com', ZALO_WINDOW_HOURS: 168, ZALO_BUTTONS: 'on' });
  });

  it('receives a signed event and answers through the API, refreshing the env-seeded token first', async () => {
    fake = await ZaloFake.start({ appId: 'app-9', appSecret: 'app-secret-9', accessToken: 'at-0', refreshToken: 'rt-0' });
    const config = loadZaloConfig({
      ZALO_APP_ID: 'app-9',
      ZALO_APP_SECRET: 'app-secret-9',
      ZALO_OA_SECRET_KEY: 'oa-secret-9',
      ZALO_ACCESS_TOKEN: 'at-0',
      ZALO_REFRESH_TOKEN: 'rt-0',
      ZALO_API_ROOT: fake.url,
      ZALO_OAUTH_ROOT: fake.url,
    });
    if (!config) throw new Error('channel should be on');
    const got: Activity[] = [];
    const channel = createZaloChannel({ config, inbox: { accept: async (a) => (got.push(a), 'accepted') } });
    const app = Fastify();
    await app.register(zaloWebhook, channel.webhookOptions);
    const raw = JSON.stringify({ app_id: 'app-9', event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: 'u-1' }, recipient: { id: 'oa-1' }, message: { text: 'hello', msg_id: 'm-1' } });
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/zalo',
      payload: raw,
      headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${computeZaloMac('app-9', raw, JSON.parse(raw).timestamp, 'oa-secret-9')}` },
    });
    expect(res.statusCode).toBe(200);
    expect(got).toMatchObject([{ channel: 'zalo', userId: 'u-1', text: 'hello' }]);

    const sent = await channel.sender.send({ userId: 'u-1', conversationId: 'u-1' }, { text: 'Chào bạn!' }, { lastInboundAt: new Date() });
    expect(sent).toEqual({ ok: true, platformMessageIds: ['mid-1'] });
    // One refresh (the env pair's expiry is unknown), then the background name look-up and the reply.
    expect(fake.requests[0]?.path).toBe('/v4/oa/access_token');
    expect(fake.requests.map((r) => r.path).sort()).toEqual(['/v3.0/oa/message/cs', '/v3.0/oa/user/detail', '/v4/oa/access_token']);
    expect(fake.sentMessages[0]?.accessToken).toBe('at-1');
    channel.stop();
    await app.close();
  });
});
