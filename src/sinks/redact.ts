/**
 * Keeping credentials out of messages: URLs are shown with the password replaced,
 * and any text can be scrubbed of the secrets a push uses (passwords, tokens, header values).
 */

export const MASK = '***';

/** A URL as it may be shown: `http://user:***@host:9091/path`. Unparseable input is not echoed. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return '(an invalid URL)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return '(a URL that is not http or https)';
  if (u.password) u.password = MASK;
  else if (u.username) u.username = MASK; // a lone user part is often a token
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, MASK);
  return u.toString().replace(/%2A%2A%2A/g, MASK);
}

/** Replaces every known secret (and its URL-encoded and base64 forms) in a text. */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: (string | undefined)[]) {
    const all = new Set<string>();
    for (const s of secrets) {
      // Very short values would blank out ordinary words; they are never printed by dqc anyway.
      if (s === undefined || s.length < 4) continue;
      all.add(s);
      all.add(encodeURIComponent(s));
      all.add(Buffer.from(s).toString('base64'));
    }
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(MASK);
    return out;
  }
}
