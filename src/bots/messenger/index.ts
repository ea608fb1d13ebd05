/**
 * The Messenger channel, assembled: configuration from the environment (the channel is on when
 * MESSENGER_PAGE_ACCESS_TOKEN is set), the Graph client, the sender and the webhook options.
 * See docs/platforms/messenger.md.
 */
import { optionalText as optional, parseChannelEnv } from '../channel-env.js';
import { z } from 'zod';
import type { Inbox } from '../delivery/types.js';
import { DEFAULT_GRAPH_API_ROOT, DEFAULT_GRAPH_API_VERSION, DEFAULT_TIMEOUT_MS, MessengerClient } from './client.js';
import type { MessengerWebhookOptions } from './routes.js';
import { MessengerSender } from './sender.js';
import { ProfileCache, type ProfilePersistence } from '../profile-cache.js';

export { messengerWebhook, MESSENGER_WEBHOOK_PATH } from './routes.js';
export { MessengerSender, chooseMessagingType } from './sender.js';
export { MessengerClient, classifyGraphError } from './client.js';
export { setupMessengerProfile } from './profile.js';
export { toActivities as messengerToActivities } from './events.js';

const envSchema = z.object({
  MESSENGER_PAGE_ACCESS_TOKEN: z.string().trim().min(1),
  /** Key of X-Hub-Signature-256, and of appsecret_proof on outgoing calls. */
  MESSENGER_APP_SECRET: z.string().trim().min(1),
  /** Any string of our choosing, entered in the app dashboard with the callback URL. */
  MESSENGER_VERIFY_TOKEN: z.string().trim().min(8),
  /** Our Page id; when set, events for other pages are ignored. */
  MESSENGER_PAGE_ID: optional,
  MESSENGER_API_ROOT: z.url().default(DEFAULT_GRAPH_API_ROOT),
  MESSENGER_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'like v26.0')
    .default(DEFAULT_GRAPH_API_VERSION),
  MESSENGER_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(DEFAULT_TIMEOUT_MS),
  /** off when the app lacks Meta's Human Agent permission: counsellor replies then stop at 24 h. */
  MESSENGER_HUMAN_AGENT: z.enum(['on', 'off']).default('on'),
  /** off when the app does not "Require App Secret" and appsecret_proof should not be sent. */
  MESSENGER_APPSECRET_PROOF: z.enum(['on', 'off']).default('on'),
});

export type MessengerConfig = z.infer<typeof envSchema>;

/** Every variable the loader reads (the docs are tested against it). */
export const MESSENGER_ENV_KEYS = Object.keys(envSchema.shape);

/** undefined when the channel is off; throws naming the variable when it is half-configured. */
export function loadMessengerConfig(env: NodeJS.ProcessEnv = process.env): MessengerConfig | undefined {
  if (!env.MESSENGER_PAGE_ACCESS_TOKEN?.trim()) return undefined;
  const config = parseChannelEnv(envSchema, env, 'Messenger');
  return config;
}

export interface MessengerChannel {
  client: MessengerClient;
  sender: MessengerSender;
  profiles: ProfileCache;
  /** Register with `app.register(messengerWebhook, webhookOptions)`. */
  webhookOptions: MessengerWebhookOptions;
}

/** The Graph client as configured (the channel and the setup command share it). */
export function createMessengerClient(c: MessengerConfig): MessengerClient {
  return new MessengerClient({
    pageAccessToken: c.MESSENGER_PAGE_ACCESS_TOKEN,
    ...(c.MESSENGER_APPSECRET_PROOF === 'on' ? { appSecret: c.MESSENGER_APP_SECRET } : {}),
    apiRoot: c.MESSENGER_API_ROOT,
    apiVersion: c.MESSENGER_API_VERSION,
    timeoutMs: c.MESSENGER_TIMEOUT_MS,
  });
}

/** A worker's name from the User Profile API, for the ProfileCache (undefined when refused). */
export function messengerDisplayName(client: Pick<MessengerClient, 'getUserName'>): (psid: string) => Promise<string | undefined> {
  return async (psid) => {
    const r = await client.getUserName(psid);
    return r.ok ? r.data.name : undefined;
  };
}

export function createMessengerChannel(deps: { config: MessengerConfig; inbox: Inbox; profilePersistence?: ProfilePersistence; now?: () => Date }): MessengerChannel {
  const c = deps.config;
  const client = createMessengerClient(c);
  const sender = new MessengerSender({ client, humanAgent: c.MESSENGER_HUMAN_AGENT === 'on', ...(deps.now ? { now: deps.now } : {}) });
  // A page without the profile permission is refused every time: asked again only hourly.
  const profiles = new ProfileCache({ lookUp: messengerDisplayName(client), failureTtlMs: 3600_000, ...(deps.profilePersistence ? { persistence: deps.profilePersistence } : {}) });
  const webhookOptions: MessengerWebhookOptions = {
    appSecret: c.MESSENGER_APP_SECRET,
    verifyToken: c.MESSENGER_VERIFY_TOKEN,
    inbox: deps.inbox,
    profiles,
    ...(c.MESSENGER_PAGE_ID ? { pageId: c.MESSENGER_PAGE_ID } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
  return { client, sender, profiles, webhookOptions };
}
