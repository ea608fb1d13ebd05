/**
 * The handoff's settings from the configuration: office hours with public holidays, and the
 * wait announced while few real waits are recorded.
 */
import type { Config } from '../../config.js';
import { loadHolidays } from './holidays.js';
import { OfficeHours } from './office-hours.js';
import type { WaitRange } from './wait.js';

export interface HandoffSettings {
  /** When counsellors are at work; absent: always. */
  hours?: OfficeHours;
  /** The wait announced while too few real waits are recorded. Default 10–20 minutes. */
  defaultWait?: WaitRange;
}

/** Throws HolidaysError when the holidays file is missing or malformed. */
export function handoffSettings(
  config: Pick<Config, 'COUNSEL_HOURS' | 'HOLIDAYS_FILE' | 'COUNSEL_WAIT_MINUTES'>,
  logger?: { warn(obj: object, msg?: string): void },
): HandoffSettings {
  if (!config.COUNSEL_HOURS) return { defaultWait: config.COUNSEL_WAIT_MINUTES };
  const holidays = loadHolidays(config.HOLIDAYS_FILE);
  const provisional = holidays.provisional();
  if (provisional.length > 0) logger?.warn({ file: config.HOLIDAYS_FILE, entries: provisional.map((e) => `${e.name}: ${e.review}`) }, 'holiday dates to confirm');
  return { hours: new OfficeHours(config.COUNSEL_HOURS, holidays), defaultWait: config.COUNSEL_WAIT_MINUTES };
}
