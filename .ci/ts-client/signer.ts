// Aurpay's signature authentication and callback verification in
// TypeScript, as the spec's Authentication section states them; it must
// reproduce every case of spec/vectors/signing.json.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import type { Middleware } from "openapi-fetch";

const HASHES: Record<string, string> = { "HMAC-SHA256": "sha256", "HMAC-SHA3_256": "sha3-256" };

export function bodyMd5(body: Uint8Array | null): string | null {
  return body && body.length > 0 ? createHash("md5").update(body).digest("hex") : null;
}

export function stringToSign(algorithm: string, date: string, method: string, pathAndQuery: string, md5: string | null): string {
  const text = `${algorithm} | ${date} | ${method.toUpperCase()} ${pathAndQuery}`;
  return md5 === null ? text : `${text} | ${md5}`;
}

export function signature(algorithm: string, secret: string, message: string): string {
  const hash = HASHES[algorithm];
  if (hash === undefined) throw new Error(`unsupported algorithm ${algorithm}`);
  return createHmac(hash, secret).update(message, "utf8").digest("base64");
}

/** The Date header: whole seconds, as the docs show it. (The text is signed
 * as sent; one public signer sends `toISOString()`'s milliseconds, but
 * which forms Aurpay accepts is unknown.) */
export function dateNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** openapi-fetch middleware: API-Token is set by the caller's headers; this
 * adds Algorithm, Date, Body-MD5 and Signature over the exact bytes sent. */
export function signer(algorithm: string, secret: string): Middleware {
  return {
    async onRequest({ request }) {
      const body = new Uint8Array(await request.clone().arrayBuffer());
      const url = new URL(request.url);
      const md5 = bodyMd5(body);
      const date = dateNow();
      request.headers.set("Algorithm", algorithm);
      request.headers.set("Date", date);
      if (md5 !== null) request.headers.set("Body-MD5", md5);
      request.headers.set("Signature", signature(algorithm, secret, stringToSign(algorithm, date, request.method, url.pathname + url.search, md5)));
      return request;
    },
  };
}

export function verifyCallback(token: string, secret: string, now: Date, freshness: number, url: string, headers: Record<string, string>): [boolean, string | null] {
  const got: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) got[k.toLowerCase()] = v;
  if (!got["callback-token"] || !got["date"] || !got["signature"]) return [false, "missing"];
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  if (!same(got["callback-token"], token)) return [false, "wrong_token"];
  const expected = createHmac("sha256", secret).update(`${got["date"]} | ${url}`, "utf8").digest("base64");
  if (!same(got["signature"], expected)) return [false, "bad_signature"];
  // ISO-8601 with or without a fraction of a second (both are seen).
  const signedAt = new Date(got["date"]).getTime();
  if (Number.isNaN(signedAt)) return [false, "bad_date"];
  const age = (now.getTime() - signedAt) / 1000;
  if (age > freshness) return [false, "stale"];
  if (-age > freshness) return [false, "future"];
  return [true, null];
}

/** Every mismatch with the shared vectors (empty when all pass). */
export function checkVectors(path: string): string[] {
  const vectors = JSON.parse(fs.readFileSync(path, "utf8"));
  const failures: string[] = [];
  for (const c of vectors.request_signing) {
    const body = c.body === null ? null : new TextEncoder().encode(c.body);
    const md5 = bodyMd5(body);
    const text = stringToSign(c.algorithm, c.date, c.method, c.path_and_query, md5);
    const got = { body_md5: md5, string_to_sign: text, signature: signature(c.algorithm, c.api_secret, text) };
    if (JSON.stringify(got) !== JSON.stringify(c.expected)) failures.push(`${c.name}: got ${JSON.stringify(got)}`);
  }
  for (const c of vectors.callback_verification) {
    const [valid, reason] = verifyCallback(c.callback_token, c.callback_secret, new Date(c.now), c.freshness_seconds, c.request.url, c.request.headers);
    if (valid !== c.expected.valid || (!valid && reason !== c.expected.reason)) failures.push(`${c.name}: got ${valid} ${reason}`);
  }
  return failures;
}
