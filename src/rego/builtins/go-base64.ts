/**
 * Base64 decoding as Go's `encoding/base64` does it, for the built-ins that
 * decode inside (JWT, X.509): padding is checked, `\r` and `\n` are skipped,
 * any other stray character fails with Go's message
 * `illegal base64 data at input byte N`. Node's own decoder silently ignores
 * bad characters, so the text is validated first.
 */

const STD = /^[A-Za-z0-9+/]$/;
const URL = /^[A-Za-z0-9_-]$/;

export type Decoded = { ok: true; bytes: Buffer } | { ok: false; error: string };

/**
 * Decodes `s` in the standard (`url = false`) or URL-safe alphabet. With
 * `padded`, the length must be a multiple of 4 with `=` padding (Go's
 * StdEncoding / URLEncoding); without, padding must be absent (Raw*Encoding).
 */
export function decodeBase64(s: string, url: boolean, padded: boolean): Decoded {
  const alphabet = url ? URL : STD;
  let data = '';
  let pad = 0;
  let firstPad = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\r' || c === '\n') continue;
    if (c === '=') {
      if (!padded) return fail(i);
      if (firstPad < 0) firstPad = i;
      pad++;
      continue;
    }
    if (pad > 0 || !alphabet.test(c)) return fail(i);
    data += c;
  }
  const rem = data.length % 4;
  if (rem === 1) return fail(Math.max(0, s.length - 1));
  if (padded) {
    const wantPad = rem === 0 ? 0 : 4 - rem;
    if (pad !== wantPad) return fail(firstPad >= 0 ? firstPad : s.length);
  }
  return { ok: true, bytes: Buffer.from(data, url ? 'base64url' : 'base64') };
}

function fail(at: number): Decoded {
  return { ok: false, error: `illegal base64 data at input byte ${at}` };
}

/**
 * OPA's `base64url.decode`: accepts the text with or without padding (RFC 7515
 * appendix C), as its JWT built-ins do.
 */
export function decodeBase64UrlLenient(s: string): Decoded {
  const padded = padBase64Url(s);
  if (padded === undefined) return { ok: false, error: `illegal base64url string: ${s}` };
  return decodeBase64(padded, true, true);
}

/**
 * Adds the `=` padding that unpadded base64url text lacks (as OPA does before
 * decoding); undefined when no padding can make its length valid. Go counts
 * the length in bytes.
 */
export function padBase64Url(s: string): string | undefined {
  if (s.endsWith('=')) return s;
  switch (Buffer.byteLength(s, 'utf8') % 4) {
    case 2:
      return s + '==';
    case 3:
      return s + '=';
    case 1:
      return undefined;
    default:
      return s;
  }
}

export function encodeBase64Url(bytes: Uint8Array, padded = false): string {
  const s = Buffer.from(bytes).toString('base64url');
  return padded ? s + '='.repeat((4 - (s.length % 4)) % 4) : s;
}
