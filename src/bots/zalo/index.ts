/**
 * The Zalo OA channel, assembled: configuration from the environment (the channel is on when
 * ZALO_APP_ID is set), the token manager, the API client, the sender, the profile cache and the
 * webhook plugin. In production pass `tokens: createZaloTokenManager({ db, coordinator, config })`
 * (pair in the database, refresh lock on the Coordinator); the defaults are in-memory.
 */
import { optionalText as optional, parseChannelEnv } from '../channel-env.js';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import type { Inbox } from '../delivery/types.js';
import { DEFAULT_API_ROOT, DEFAULT_OAUTH_ROOT, DEFAULT_TIMEOUT_MS, ZaloClient } from './client.js';
import { ProfileCache, type ProfilePersistence } from '../profile-cache.js';
import type { ZaloWebhookOptions } from './routes.js';
import { ZaloSender } from './sender.js';
import { zaloTokenOptions } from './sql-tokens.js';
import { InProcessLock, MemoryTokenStore, TokenManager, type Lock, type TokenStore } from './tokens.js';

export { zaloWebhook } from './routes.js';
export { ZaloSender } from './sender.js';
export { ZaloClient } from './client.js';
export { TokenManager, MemoryTokenStore, InProcessLock } from './tokens.js';
export type { TokenPair, TokenStore, Lock } from './tokens.js';
export { createZaloTokenManager, SqlTokenStore, CoordinatorLock } from './sql-tokens.js';

const envSchema = z.object({
  ZALO_APP_ID: z.string().trim().min(1),
  /** The app's secret key: header `secret_key` when refreshing tokens. */
  ZALO_APP_SECRET: z.string().trim().min(1),
  /** The OA secret key: last term of the webhook signature. */
  ZALO_OA_SECRET_KEY: z.string().trim().min(1),
  /** Only to accept OA-id-prefixed signatures (see docs/platforms/zalo.md). */
  ZALO_OA_ID: optional,
  ZALO_ACCESS_TOKEN: optional,
  ZALO_REFRESH_TOKEN: optional,
  ZALO_ACCESS_TOKEN_EXPIRES_AT: optional,
  ZALO_API_ROOT: z.url().default(DEFAULT_API_ROOT),
  ZALO_OAUTH_ROOT: z.url().default(DEFAULT_OAUTH_ROOT),
  ZALO_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(DEFAULT_TIMEOUT_MS),
  /** Consultation window: Zalo refuses after 7 days (168 h); 48 keeps to free replies. */
  ZALO_WINDOW_HOURS: z.coerce.number().positive().max(24 * 30).default(168),
  ZALO_WEBHOOK_MAX_AGE_MINUTES: z.coerce.number().positive().max(24 * 60).default(10),
  ZALO_BUTTONS: z.enum(['on', 'off']).default('on'),
});

export type ZaloConfig = z.infer<typeof envSchema>;

/** Every variable the loader reads (the docs are tested against it). */
export const ZALO_ENV_KEYS = Object.keys(envSchema.shape);

/** undefined when the channel is off (no ZALO_APP_ID); throws naming the variable when it is half-configured. */
export function loadZaloConfig(env: NodeJS.ProcessEnv = process.env): ZaloConfig | undefined {
  if (!env.ZALO_APP_ID?.trim()) return undefined;
  const config = parseChannelEnv(envSchema, env, 'Zalo');
  // No token in the environment is not an error: a durable token store may already hold a pair.
  return config;
}

export interface ZaloChannelDeps {
  config: ZaloConfig;
  inbox: Inbox;
  logger?: Logger;
  /** In production: createZaloTokenManager (pair in the database, lock on the Coordinator). */
  tokens?: TokenManager;
  /** Used only without `tokens`. Durable in production (the refresh token rotates on every use); in-memory by default. */
  tokenStore?: TokenStore;
  /** Shared across processes in production; in-process by default. */
  lock?: Lock;
  profilePersistence?: ProfilePersistence;
}

export interface ZaloChannel {
  tokens: TokenManager;
  client: ZaloClient;
  sender: ZaloSender;
  profiles: ProfileCache;
  /** Register with `app.register(zaloWebhook, webhookOptions)`. */
  webhookOptions: ZaloWebhookOptions;
  start(): Promise<void>;
  stop(): void;
}

/** A worker's Zalo display name (GET /v3.0/oa/user/detail), for the ProfileCache. */
export function zaloDisplayName(client: Pick<ZaloClient, 'getUserProfile'>): (userId: string) => Promise<string | undefined> {
  return async (userId) => {
    const r = await client.getUserProfile(userId);
    return r.ok ? r.profile.displayName : undefined;
  };
}

export function createZaloChannel(deps: ZaloChannelDeps): ZaloChannel {
  const c = deps.config;
  const log = deps.logger?.child({ channel: 'zalo' });
  const tokens =
    deps.tokens ??
    new TokenManager({
      ...zaloTokenOptions(c),
      tokenStore: deps.tokenStore ?? new MemoryTokenStore(),
      lock: deps.lock ?? new InProcessLock(),
      ...(log ? { logger: log } : {}),
    });
  const client = new ZaloClient({ tokens, apiRoot: c.ZALO_API_ROOT, oauthRoot: c.ZALO_OAUTH_ROOT, appId: c.ZALO_APP_ID, appSecret: c.ZALO_APP_SECRET, timeoutMs: c.ZALO_TIMEOUT_MS });
  const sender = new ZaloSender({ client, windowMs: c.ZALO_WINDOW_HOURS * 3600_000, render: { buttons: c.ZALO_BUTTONS === 'on' } });
  const profiles = new ProfileCache({ lookUp: zaloDisplayName(client), ...(deps.profilePersistence ? { persistence: deps.profilePersistence } : {}) });
  const webhookOptions: ZaloWebhookOptions = {
    inbox: deps.inbox,
    config: {
      appId: c.ZALO_APP_ID,
      oaSecretKey: c.ZALO_OA_SECRET_KEY,
      maxAgeMs: c.ZALO_WEBHOOK_MAX_AGE_MINUTES * 60_000,
      ...(c.ZALO_OA_ID ? { oaId: c.ZALO_OA_ID } : {}),
    },
    profiles,
    ...(log ? { logger: log } : {}),
  };
  return {
    tokens,
    client,
    sender,
    profiles,
    webhookOptions,
    start: () => tokens.start(),
    stop: () => tokens.stop(),
  };
}
