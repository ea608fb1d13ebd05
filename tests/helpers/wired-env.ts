/**
 * The environment that switches all three platform channels on against the fakes, for tests
 * that run the wired server (and, as env vars, for child processes running the real one).
 */
export interface WiredSecrets {
  telegram: { token: string; url: string; secret: string; username: string };
  zalo: { url: string; appId: string; appSecret: string; oaSecret: string };
  messenger: { url: string; token: string; secret: string; verify: string };
}

export function wiredChannelEnv(s: WiredSecrets): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: s.telegram.token,
    TELEGRAM_WEBHOOK_SECRET: s.telegram.secret,
    TELEGRAM_API_ROOT: s.telegram.url,
    TELEGRAM_BOT_USERNAME: s.telegram.username,
    ZALO_APP_ID: s.zalo.appId,
    ZALO_APP_SECRET: s.zalo.appSecret,
    ZALO_OA_SECRET_KEY: s.zalo.oaSecret,
    ZALO_ACCESS_TOKEN: 'at-0',
    ZALO_REFRESH_TOKEN: 'rt-0',
    ZALO_ACCESS_TOKEN_EXPIRES_AT: new Date(Date.now() + 3600_000).toISOString(),
    ZALO_API_ROOT: s.zalo.url,
    ZALO_OAUTH_ROOT: s.zalo.url,
    MESSENGER_PAGE_ACCESS_TOKEN: s.messenger.token,
    MESSENGER_APP_SECRET: s.messenger.secret,
    MESSENGER_VERIFY_TOKEN: s.messenger.verify,
    MESSENGER_API_ROOT: s.messenger.url,
  };
}
