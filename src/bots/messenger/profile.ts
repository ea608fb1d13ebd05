/**
 * One-off Page setup through the Messenger Profile API: the Get Started button (payload START),
 * the welcome-screen greeting and the persistent menu. Run at deploy time, not per request.
 * The persistent menu only shows once a Get Started button exists, so that is set first.
 * Sources: docs/platforms/messenger.md.
 */
import { PAYLOAD } from '../../flows/texts.js';
import type { GraphResult, MessengerClient } from './client.js';
import { GET_STARTED_PAYLOAD } from './events.js';
import { MESSENGER_LIMITS } from './render.js';

export const GREETING_MAX_CHARS = 160;

export const MESSENGER_GREETING =
  'Xin chào! Mình là Trợ lý Công đoàn: giải đáp bảo hiểm thất nghiệp, pháp luật lao động, tính trợ cấp và kết nối bạn với tư vấn viên.';

/**
 * The engine's own postbacks (the main menu's), so a tap means the same as on the web chat.
 * Pages set up with the older MENU_BHTN / CALC_UNEMPLOYMENT payloads still work: events.ts maps them.
 */
export const PERSISTENT_MENU = [
  { type: 'postback', title: 'Hỏi về BHTN', payload: `${PAYLOAD.topic}bhtn` },
  { type: 'postback', title: 'Tính trợ cấp', payload: `${PAYLOAD.calc}unemployment` },
  { type: 'postback', title: 'Gặp tư vấn viên', payload: PAYLOAD.handoff },
  { type: 'postback', title: 'Menu chính', payload: PAYLOAD.menu },
] as const;

export interface MessengerProfileBodies {
  getStartedAndGreeting: Record<string, unknown>;
  persistentMenu: Record<string, unknown>;
}

export function messengerProfileBodies(greeting: string = MESSENGER_GREETING): MessengerProfileBodies {
  if (Array.from(greeting).length > GREETING_MAX_CHARS) throw new RangeError(`greeting exceeds ${GREETING_MAX_CHARS} characters`);
  for (const item of PERSISTENT_MENU) {
    if (Array.from(item.title).length > MESSENGER_LIMITS.title) throw new RangeError(`menu title too long: ${item.title}`);
  }
  return {
    getStartedAndGreeting: {
      get_started: { payload: GET_STARTED_PAYLOAD },
      greeting: [{ locale: 'default', text: greeting }],
    },
    persistentMenu: {
      persistent_menu: [{ locale: 'default', composer_input_disabled: false, call_to_actions: PERSISTENT_MENU }],
    },
  };
}

export interface SetupResult {
  ok: boolean;
  steps: { step: 'get_started+greeting' | 'persistent_menu'; result: GraphResult<unknown> }[];
}

/** Posts get_started + greeting, then persistent_menu. Stops at the first failure. */
export async function setupMessengerProfile(client: MessengerClient, opts: { greeting?: string } = {}): Promise<SetupResult> {
  const bodies = messengerProfileBodies(opts.greeting);
  const steps: SetupResult['steps'] = [];
  const first = await client.setMessengerProfile(bodies.getStartedAndGreeting);
  steps.push({ step: 'get_started+greeting', result: first });
  if (!first.ok) return { ok: false, steps };
  const second = await client.setMessengerProfile(bodies.persistentMenu);
  steps.push({ step: 'persistent_menu', result: second });
  return { ok: second.ok, steps };
}
