import { describe, expect, it } from 'vitest';
import { createTelegramChannel, loadTelegramConfig } from '../src/bots/telegram/index.js';

const inbox = { accept: async () => 'accepted' as const };

describe('Telegram configuration', () => {
  it('is off without a token; webhook mode needs a valid secret', () => {
    expect(loadTelegramConfig({})).toBeUndefined();
    expect(() => loadTelegramConfig({ TELEGRAM_BOT_TOKEN: '123:abc' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(() => loadTelegramConfig({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_WEBHOOK_SECRET: 'bí mật' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(() => loadTelegramConfig({ TELEGRAM_BOT_TOKEN: 'not a token', TELEGRAM_MODE: 'polling' })).toThrow(/TELEGRAM_BOT_TOKEN/);
  });

  it('builds webhook options in webhook mode and none in polling mode', () => {
    const hook = loadTelegramConfig({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_WEBHOOK_SECRET: 'abc_DEF-123' });
    if (!hook) throw new Error('expected config');
    const ch = createTelegramChannel({ config: hook, inbox });
    expect(ch.webhookOptions?.secret).toBe('abc_DEF-123');
    expect(ch.webhookOptions?.registry).toBe(ch.sender.registry);
    const poll = loadTelegramConfig({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_MODE: 'polling' });
    if (!poll) throw new Error('expected config');
    expect(createTelegramChannel({ config: poll, inbox }).webhookOptions).toBeUndefined();
  });
});
