// A file size in words of the reader's language ("2.4 MB"), shared by the upload tray and attachments.
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

export function fileSize(bytes: number, lang: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // Bytes narrow ("77B": "77 byte" reads wrong), larger units short ("2.4 MB").
  return new Intl.NumberFormat(lang, { style: 'unit', unit: UNITS[unit], unitDisplay: unit === 0 ? 'narrow' : 'short', maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0 }).format(value);
}

/** Two sizes that must read differently (a file just over a limit): exact bytes when the short forms agree. */
export function fileSizes(a: number, b: number, lang: string): [string, string] {
  const x = fileSize(a, lang);
  const y = fileSize(b, lang);
  if (x !== y) return [x, y];
  const exact = (n: number) => new Intl.NumberFormat(lang, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(n);
  return [exact(a), exact(b)];
}
