/** pg's own conversion of a JS value to the text it sends for a parameter (dates, arrays, JSON). */
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
