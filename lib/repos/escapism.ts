// escapism's escape() as BinderHub calls it (safe: [A-Za-z0-9], escape char "-"), which has no
// JavaScript port: every UTF-8 byte of any other character becomes "-" and the byte in
// uppercase hex, unpadded (a tab is "-9"). Pure, so the browser can name specs too.

export function escapism(text: string): string {
  let out = "";
  for (const char of text) {
    if (/^[A-Za-z0-9]$/.test(char)) out += char;
    else for (const byte of new TextEncoder().encode(char)) out += `-${byte.toString(16).toUpperCase()}`;
  }
  return out;
}
