/**
 * Calendar days in Vietnam. Legal validity is by calendar date in Asia/Ho_Chi_Minh
 * (UTC+7, no daylight saving), whatever the server's time zone.
 */
const VN_OFFSET_MS = 7 * 60 * 60 * 1000;

/** YYYY-MM-DD of `date` in Vietnam. */
export function vnDay(date: Date): string {
  return new Date(date.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}
