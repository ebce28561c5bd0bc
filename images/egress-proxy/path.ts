export type NormalisedPath =
  { ok: true; path: string; query: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9_~-]/;

/**
 * Normalises an origin-form request target before route matching: unreserved characters are
 * percent-decoded, `//` runs collapse, `.` segments drop. Whatever could still change meaning
 * upstream (`..`, encoded dots, slashes or backslashes, a raw backslash, control characters,
 * broken escapes) is refused, because a prefix rule is only sound on a canonical path.
 */
export function normalisePath(target: string): NormalisedPath {
  const hash = target.indexOf('#');
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  const rawPath = question === -1 ? withoutFragment : withoutFragment.slice(0, question);
  const query = question === -1 ? '' : withoutFragment.slice(question + 1);
  if (!rawPath.startsWith('/')) return refuse('the path must start with "/"');
  if (/[^\x21-\x7e]/.test(rawPath)) {
    return refuse('the path holds spaces, control or non-ASCII characters; percent-encode them');
  }
  if (rawPath.includes('\\')) return refuse('the path holds a backslash');
  if (/%2e|%2f|%5c/i.test(rawPath)) {
    return refuse('the path holds an encoded ".", "/" or "\\" (%2e, %2f, %5c)');
  }
  let decoded = '';
  for (let i = 0; i < rawPath.length; i++) {
    const char = rawPath[i]!;
    if (char !== '%') {
      decoded += char;
      continue;
    }
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return refuse('the path holds a broken percent-escape');
    const value = String.fromCharCode(parseInt(hex, 16));
    decoded += UNRESERVED.test(value) ? value : `%${hex.toUpperCase()}`;
    i += 2;
  }
  const segments = decoded.replace(/\/{2,}/g, '/').split('/');
  const kept: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (segment === '..') return refuse('the path holds a ".." segment');
    if (segment === '.') {
      // "/a/." still names the folder: keep the trailing slash it implied.
      if (index === segments.length - 1) kept.push('');
      continue;
    }
    kept.push(segment);
  }
  const path = kept.join('/');
  return { ok: true, path: path.startsWith('/') ? path : `/${path}`, query };
}

function refuse(reason: string): NormalisedPath {
  return { ok: false, reason };
}

/**
 * git smart-HTTP push, in either of its two request shapes. Matched leniently, because a git
 * server may be: case-insensitive, `;params` on any segment dropped, trailing `/` or `/.`
 * ignored, and the query URL-decoded (`service=git%2Dreceive-pack`).
 */
export function isGitPush(path: string, query: string): boolean {
  const segments = path
    .toLowerCase()
    .split('/')
    .map((segment) => segment.replace(/(?:;|%3b).*$/, ''));
  while (segments.length > 1 && (segments.at(-1) === '' || segments.at(-1) === '.')) segments.pop();
  const last = segments.at(-1) ?? '';
  if (last === 'git-receive-pack') return true;
  if (last !== 'refs' || segments.at(-2) !== 'info') return false;
  return query
    .split(/[&;]/)
    .map((pair) => urlDecodeLenient(pair).toLowerCase().replace(/\s+/g, ''))
    .some((pair) => pair === 'service=git-receive-pack');
}

/** A request whose body is a git push, whatever its URL says. */
export function isGitPushContentType(contentType: string | undefined): boolean {
  return /^\s*application\/x-git-receive-pack-request\s*(?:;|$)/i.test(contentType ?? '');
}

function urlDecodeLenient(text: string): string {
  return text
    .replace(/\+/g, ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
