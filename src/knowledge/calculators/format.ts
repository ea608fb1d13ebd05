/** Vietnamese number formatting: 9.000.000 đ, 1,5. */
const vnd = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });

export function formatVnd(n: number): string {
  return `${vnd.format(Math.round(n))} đ`;
}

export function formatNumber(n: number): string {
  return decimal.format(n);
}

export function formatPercent(share: number): string {
  return `${decimal.format(share * 100)}%`;
}

/** "5 năm" / "3 năm 6 tháng" / "8 tháng" for a number of months. */
export function formatMonths(months: number): string {
  const y = Math.floor(months / 12);
  const m = months % 12;
  if (y === 0) return `${m} tháng`;
  return m === 0 ? `${y} năm` : `${y} năm ${m} tháng`;
}
