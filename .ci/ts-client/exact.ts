// Exact amounts for a TypeScript client (openapi-fetch): the spec's "Exact
// amounts" rule. JSON.parse reads numbers as doubles, so an amount Aurpay
// writes as a JSON number (0.00155419, or one longer than a double holds)
// must become a string before parsing: every number token with a fraction or
// an exponent is handed on as a string of the same characters (only amounts
// have one in this API). Pass `exactFetch` as openapi-fetch's `fetch`.

const NUMBER_START = new Set("-0123456789");
const NUMBER_CHARS = new Set("+-0123456789.eE");

/** The JSON text with its decimal numbers quoted, and those numbers. */
export function quoteDecimals(text: string): { text: string; decimals: string[] } {
  let out = "";
  const decimals: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (NUMBER_START.has(c)) {
      let j = i + 1;
      while (j < text.length && NUMBER_CHARS.has(text[j])) j++;
      const token = text.slice(i, j);
      if (/[.eE]/.test(token)) {
        out += `"${token}"`;
        decimals.push(token);
      } else {
        out += token;
      }
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, decimals };
}

/** The last answer as it came, for checks that compare. */
export const lastAnswer = { original: "", decimals: [] as string[] };

/** `fetch` that hands JSON answers on with their decimals quoted. */
export async function exactFetch(input: Request): Promise<Response> {
  // Bounded: a sandbox that stops answering fails the call, not the run.
  const response = await fetch(new Request(input, { signal: AbortSignal.timeout(10_000) }));
  const original = await response.text();
  const json = (response.headers.get("content-type") ?? "").split(";")[0].trim() === "application/json";
  const { text, decimals } = json ? quoteDecimals(original) : { text: original, decimals: [] };
  lastAnswer.original = original;
  lastAnswer.decimals = decimals;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}
