// Contract check from TypeScript: openapi-typescript types + openapi-fetch
// against the sandbox (`aurpay sandbox --examples`). Nothing here names an
// operation (the loop reads the spec), except one typed call that proves at
// compile time that an amount is a `string`. Compiled with `strict` and
// `noUncheckedIndexedAccess`.
//
// First the signer (signer.ts) and the exact reader (exact.ts) must pass
// the shared vectors, and the reader's amount names must be the spec's.
// Then every operation is called with the spec's example parameters and
// body, once with the API key and once with signatures; every answer must
// be HTTP 200 with code 0, and every amount number in its bytes must reach
// the client as a string with the same digits. Then the sandbox reports an
// unknown status and a 27-digit amount, then a whole-number amount, for an
// example order; every read-only operation is called again, and some
// answer must carry each, read exactly.
//
//   node check.js <spec.json> <vectors.json> <exact-amounts.json> <base-url> <api-key> <api-token> <api-secret>
import fs from "node:fs";
import createClient from "openapi-fetch";
import { checkExactVectors, decimalNamesOf, exactFetch, lastAnswer, quoteDecimals, typedAmountsReadExactly } from "./exact-check.js";
import type { paths } from "./schema.js";
import { checkVectors, signer } from "./signer.js";

const args = process.argv.slice(2);
if (args.length !== 7) {
  console.error("usage: node check.js <spec.json> <vectors.json> <exact-amounts.json> <base-url> <api-key> <api-token> <api-secret>");
  process.exit(2);
}
const [specPath, vectorsPath, exactPath, baseUrl, apiKey, apiToken, apiSecret] = args as [string, string, string, string, string, string, string];
const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const UNKNOWN_STATUS = "CONFIRMING";
const LONG_AMOUNT = "0.123456789012345678901234567";
const WHOLE_AMOUNT = "12";
const METHODS = ["get", "post", "put", "delete", "patch"];
const decimalNames = decimalNamesOf(spec);

type Scheme = "api-key" | "signature" | "reported";
let passed = 0;
let failed = 0;
function report(name: string, failure: string | null): void {
  if (failure === null) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${failure}`);
  }
}

function resolve(node: any): any {
  while (node && typeof node === "object" && "$ref" in node) {
    node = node.$ref.slice(2).split("/").reduce((at: any, key: string) => at[key], spec);
  }
  return node;
}

interface Op {
  id: string;
  method: string;
  path: string;
  op: any;
  secured: boolean;
}
const operations: Op[] = [];
for (const [path, item] of Object.entries<any>(spec.paths)) {
  for (const method of METHODS) {
    const op = item[method];
    if (!op) continue;
    const security = op.security ?? spec.security ?? [];
    operations.push({ id: op.operationId, method, path, op, secured: security.length > 0 });
  }
}

function exampleCall(op: Op): { path: Record<string, unknown>; query: Record<string, unknown>; body?: unknown } {
  const call: { path: Record<string, unknown>; query: Record<string, unknown>; body?: unknown } = { path: {}, query: {} };
  for (const p of (op.op.parameters ?? []).map(resolve)) {
    const example = p.example ?? p.schema?.example;
    if (example === undefined) continue;
    if (p.in === "path") call.path[p.name] = example;
    if (p.in === "query") call.query[p.name] = example;
  }
  if (op.op.requestBody) {
    const media = resolve(op.op.requestBody).content["application/json"];
    call.body = media.example ?? resolve(Object.values<any>(media.examples ?? {})[0])?.value;
  }
  return call;
}

function stringLeaves(value: unknown, into: string[]): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringLeaves(v, into));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => stringLeaves(v, into));
  return into;
}

const sent: { request?: Request } = {};
function client(scheme: Scheme) {
  const headers: Record<string, string> = scheme === "signature" ? { "API-Token": apiToken } : { "API-Key": apiKey };
  const c = createClient<paths>({ baseUrl, fetch: exactFetch, headers });
  if (scheme === "signature") c.use(signer("HMAC-SHA256", apiSecret));
  c.use({
    onRequest({ request }) {
      sent.request = request.clone();
      return request;
    },
  });
  return c;
}
const anonymous = createClient<paths>({ baseUrl, fetch: exactFetch });

async function call(op: Op, scheme: Scheme, seen: string[]): Promise<string | null> {
  const { path, query, body } = exampleCall(op);
  const c: any = op.secured ? client(scheme) : anonymous;
  const init: any = { params: { path, query } };
  if (body !== undefined) init.body = body;
  const { data, response } = await c[op.method.toUpperCase()](op.path, init);
  if (response.status !== 200) return `HTTP ${response.status}: ${lastAnswer.original.slice(0, 200)}`;
  if (!data || data.code !== 0) return `envelope code ${data?.code}: ${lastAnswer.original.slice(0, 200)}`;
  const request = sent.request;
  if (op.secured && request) {
    const key = request.headers.get("API-Key");
    const token = request.headers.get("API-Token");
    if (scheme === "signature" && (token !== apiToken || key !== null || !request.headers.get("Signature"))) {
      return `signature scheme sent API-Token ${token}, API-Key ${key}`;
    }
    if (scheme !== "signature" && (key !== apiKey || token !== null)) return `API-Key sent as ${key}`;
  }
  // Every amount number of the bytes sent reached the client as a string
  // with the same characters (never through a double)...
  const leaves = stringLeaves(data, []);
  for (const decimal of quoteDecimals(lastAnswer.original).decimals) {
    const at = leaves.indexOf(decimal);
    if (at < 0) return `the number ${decimal} did not reach the client exactly`;
    leaves.splice(at, 1);
  }
  // ...and, found independently of the reader (from the answer parsed as
  // doubles and the spec's amount names), no amount reached it as a number.
  const independent = typedAmountsReadExactly(JSON.parse(lastAnswer.original), data, decimalNames);
  if (independent !== null) return independent;
  seen.push(lastAnswer.original);
  return null;
}

async function main(): Promise<number> {
  const vectorFailures = checkVectors(vectorsPath);
  vectorFailures.forEach((f) => report("signer-vectors", f));
  if (vectorFailures.length === 0) report("signer passes the shared vectors", null);
  const exactFailures = checkExactVectors(exactPath, decimalNames);
  exactFailures.forEach((f) => report("exact-vectors", f));
  if (exactFailures.length === 0) report("exact reader passes the shared vectors; its amount names are the spec's", null);

  for (const scheme of ["api-key", "signature"] as Scheme[]) {
    for (const op of operations) {
      try {
        report(`${op.id} (${scheme})`, await call(op, scheme, []));
      } catch (error) {
        report(`${op.id} (${scheme})`, String(error));
      }
    }
  }

  // What Aurpay may send tomorrow, then a whole-number amount.
  const orderId = resolve({ $ref: "#/components/parameters/OrderId" }).example;
  for (const [stage, status, amount] of [
    ["reported", UNKNOWN_STATUS, LONG_AMOUNT],
    ["whole", null, WHOLE_AMOUNT],
  ] as const) {
    const query = new URLSearchParams({ amount, form: "number" });
    if (status !== null) query.set("status", status);
    const control = await fetch(`${baseUrl}/__sandbox/report/${orderId}?${query}`, {
      method: "POST",
      signal: AbortSignal.timeout(10_000),
    });
    const controlBody = await control.json();
    if (controlBody.code !== 0) report("sandbox-report", JSON.stringify(controlBody));
    const seen: string[] = [];
    for (const op of operations.filter((o) => !o.op["x-aurpay-moves-money"])) {
      try {
        report(`${op.id} (${stage})`, await call(op, "reported", seen));
      } catch (error) {
        report(`${op.id} (${stage})`, String(error));
      }
    }
    const carried = seen.filter((s) => s.includes(`"amount":${amount}`)).length;
    const unknown = seen.filter((s) => s.includes(`"${UNKNOWN_STATUS}"`)).length;
    report(
      `${carried} answers carried the amount ${amount} as a JSON number, read exactly; ${unknown} the unknown status`,
      carried > 0 && unknown > 0 ? null : "no answer carried the reported status and amount",
    );
  }

  // The types say an amount is a string (the generator's type mapping):
  // this line does not compile if it is a number or unknown.
  const typed = await client("api-key").GET("/api/v2/order/detail/{order_id}", { params: { path: { order_id: orderId } } });
  const amount: string | undefined = typed.data?.data?.amount;
  report(`typed amount is the exact string ${WHOLE_AMOUNT}`, amount === WHOLE_AMOUNT ? null : `read ${amount}`);

  console.log(`ts-client: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed >= 2 * operations.length ? 0 : 1;
}

main().then((code) => process.exit(code));
