import { describe, expect, it } from 'vitest';
import { createMessengerChannel, loadMessengerConfig } from '../src/bots/messenger/index.js';

const inbox = { accept: async () => 'accepted' as const };

describe('Messenger configuration', () => {
  it('is off without a page token, and names the missing variable when half-configured', () => {
    expect(loadMessengerConfig({})).toBeUndefined();
    expect(() => loadMessengerConfig({ MESSENGER_PAGE_ACCESS_TOKEN: 'EAAG' })).toThrow(/MESSENGER_APP_SECRET/);
    expect(() => loadMessengerConfig({ MESSENGER_PAGE_ACCESS_TOKEN: 'EAAG', MESSENGER_APP_SECRET: 's', MESSENGER_VERIFY_TOKEN: 'verify-me', MESSENGER_API_VERSION: '21' })).toThrow(
      /MESSENGER_API_VERSION/,
    );
  });

  it('builds the channel with defaults', () => {
    const config = loadMessengerConfig({ MESSENGER_PAGE_ACCESS_TOKEN: 'EAAG', MESSENGER_APP_SECRET: 's', MESSENGER_VERIFY_TOKEN: 'verify-me' });
    expect(config).toMatchObject({ MESSENGER_API_ROOT: 'https://graph.facebook.com', MESSENGER_API_VERSION: 'v26.0', MESSENGER_HUMAN_AGENT: 'on' });
    if (!config) return;
    const ch = createMessengerChannel({ config, inbox });
    expect(ch.sender.channel).toBe('messenger');
    expect(ch.webhookOptions).toMatchObject({ appSecret: 's', verifyToken: 'verify-me' });
  });
});
