/**
 * The stretches of at least `minLength` bytes whose class (`table[byte] & bit`) is set, found by
 * sampling `minLength` bytes apart: every such stretch covers a sample, and only a sample inside
 * the class is expanded both ways. Where the class is sparse (printable bytes in random data,
 * seed-phrase text in JSON) nearly every sample ends the search at once.
 */
export function sampledStretches(
  bytes: Buffer,
  minLength: number,
  table: Uint8Array,
  bit: number,
): [number, number][] {
  const found: [number, number][] = [];
  const length = bytes.length;
  let floor = 0; // no stretch may start before the end of the last one
  for (let at = minLength - 1; at < length;) {
    if (!(table[bytes[at]!]! & bit)) {
      at += minLength;
      continue;
    }
    let start = at;
    while (start > floor && table[bytes[start - 1]!]! & bit) start--;
    let end = at + 1;
    while (end < length && table[bytes[end]!]! & bit) end++;
    if (end - start >= minLength) found.push([start, end]);
    floor = end;
    at = end + minLength;
  }
  return found;
}
