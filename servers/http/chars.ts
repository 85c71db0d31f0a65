// Byte-class lookup tables (one array index per byte instead of a regex per character).
// Grammar references: RFC 9110 §5.6.2 (token), §5.5 (field values), RFC 3986 (request targets).

function table(member: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = member(b) ? 1 : 0;
  return t;
}

const isAlpha = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const oneOf = (chars: string) => (b: number) => chars.includes(String.fromCharCode(b));

/** tchar: the characters of a token (method, header name, transfer coding). */
export const TOKEN_CHAR = table((b) => isAlpha(b) || isDigit(b) || oneOf("!#$%&'*+-.^_`|~")(b));

/** field-vchar / SP / HTAB / obs-text: what may appear inside a field value. */
export const FIELD_VALUE_CHAR = table((b) => b === 0x09 || b === 0x20 || (b >= 0x21 && b <= 0x7e) || b >= 0x80);

const isUnreserved = (b: number) => isAlpha(b) || isDigit(b) || oneOf('-._~')(b);
const isSubDelim = oneOf("!$&'()*+,;=");

/** pchar / "/" / "?" plus "%" (percent-encoding is checked separately): a path or query byte. */
export const TARGET_CHAR = table((b) => isUnreserved(b) || isSubDelim(b) || oneOf(':@/?%')(b));

/** The bytes of an authority (host, IP literal, port), "%" included for pct-encoded reg-names. */
export const AUTHORITY_CHAR = table((b) => isUnreserved(b) || isSubDelim(b) || oneOf(':[]%')(b));

/** Scheme characters after the first letter (RFC 3986 §3.1). */
export const SCHEME_CHAR = table((b) => isAlpha(b) || isDigit(b) || oneOf('+-.')(b));

/** qdtext / quoted-pair payload inside a quoted-string (chunk extension values). */
export const QDTEXT_CHAR = table(
  (b) => b === 0x09 || b === 0x20 || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80,
);

/** Hex digit value, or -1. */
export const HEX_VALUE = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let b = 0; b < 256; b++) {
    if (isDigit(b)) t[b] = b - 0x30;
    else if (b >= 0x41 && b <= 0x46) t[b] = b - 0x41 + 10;
    else if (b >= 0x61 && b <= 0x66) t[b] = b - 0x61 + 10;
  }
  return t;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
