// Exact amounts for a TypeScript client (openapi-fetch or openapi-generator's
// typescript-fetch): the spec's "Exact amounts" rule. JSON.parse reads
// numbers as doubles, so an amount Aurpay writes as a JSON number
// (0.00155419, 10, or one longer than a double holds) must become a string
// before parsing. Every number token with a fraction or an exponent, and
// every number that is the value of a member named in DECIMAL_NAMES (the
// spec's `x-aurpay-decimal` properties), whole numbers included, is handed
// on as a string of the same characters. Pass `exactFetch` as the client's
// `fetch`. Compiles under `strict` and `noUncheckedIndexedAccess`.

/** Member names whose number values are amounts (the checks compare this
 * with the spec). */
export const DECIMAL_NAMES: ReadonlySet<string> = new Set(["amount", "balance", "fee", "obtained", "refund_amount", "vs_price"]);

const NUMBER_START = new Set("-0123456789");
const NUMBER_CHARS = new Set("+-0123456789.eE");
const WHITESPACE = new Set(" \t\r\n");

/** The JSON text with its amount numbers quoted, and those numbers. Not a
 * validator: invalid JSON stays invalid. */
export function quoteDecimals(text: string): { text: string; decimals: string[] } {
  let out = "";
  const decimals: string[] = [];
  // The last string token (a member name if ':' follows), and the name
  // whose value comes next.
  let lastString: string | null = null;
  let member: string | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== '"') j += text.charAt(j) === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      lastString = text.slice(i + 1, j);
      member = null;
      i = j + 1;
    } else if (NUMBER_START.has(c)) {
      let j = i + 1;
      while (j < text.length && NUMBER_CHARS.has(text.charAt(j))) j++;
      const token = text.slice(i, j);
      if (/[.eE]/.test(token) || (member !== null && DECIMAL_NAMES.has(member))) {
        out += `"${token}"`;
        decimals.push(token);
      } else {
        out += token;
      }
      lastString = null;
      member = null;
      i = j;
    } else {
      if (c === ":") member = lastString;
      else if (!WHITESPACE.has(c)) member = null;
      if (!WHITESPACE.has(c)) lastString = null;
      out += c;
      i++;
    }
  }
  return { text: out, decimals };
}

/** The last answer as it came, for checks that compare. */
export const lastAnswer = { original: "", decimals: [] as string[] };

function isJson(response: Response): boolean {
  const media = (response.headers.get("content-type") ?? "").split(";")[0] ?? "";
  return media.trim().toLowerCase() === "application/json";
}

/** `fetch` that hands JSON answers on with their amounts quoted. Takes what
 * `fetch` takes (openapi-fetch passes a Request, typescript-fetch a URL and
 * an init). */
export async function exactFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  // Bounded: a sandbox that stops answering fails the call, not the run.
  const request = new Request(input, init);
  const response = await fetch(new Request(request, { signal: AbortSignal.timeout(10_000) }));
  const original = await response.text();
  const { text, decimals } = isJson(response) ? quoteDecimals(original) : { text: original, decimals: [] };
  lastAnswer.original = original;
  lastAnswer.decimals = decimals;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}
