// Order statistics for the start-up bench (non-finite values are ignored).

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank p90 (with 5 samples it is the largest). */
export function p90(values: number[]): number {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
}

function quantile(values: number[], q: number): number {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function finiteSorted(values: number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Display helpers: whole ms, a ratio, seconds ("–" when not measured). */
export const fmtMs = (value: number): string =>
  Number.isFinite(value) ? `${Math.round(value)}` : '–';
export const fmtRatio = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
export const fmtS = (value: number): string => `${(value / 1000).toFixed(2)} s`;
