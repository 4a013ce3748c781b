// What the TypeScript checks (check.ts for openapi-fetch, tsf-check.ts for
// typescript-fetch) verify about the exact reader (exact.ts), beside the
// calls: the shared vectors, its amount names against the spec's, and an
// answer's amounts found without the reader.
import fs from "node:fs";
import { DECIMAL_NAMES, quoteDecimals } from "./exact.js";

export { DECIMAL_NAMES, exactFetch, lastAnswer, quoteDecimals } from "./exact.js";

/** The names of the properties whose schema is `x-aurpay-decimal`
 * (directly or through allOf), read from the spec. */
export function decimalNamesOf(spec: any): Set<string> {
  const resolve = (node: any): any => {
    while (node && typeof node === "object" && "$ref" in node) {
      node = String(node.$ref).slice(2).split("/").reduce((at: any, key: string) => at?.[key], spec);
    }
    return node;
  };
  const isDecimal = (node: any): boolean => {
    const schema = resolve(node);
    return Boolean(schema?.["x-aurpay-decimal"]) || (schema?.allOf ?? []).some(isDecimal);
  };
  const names = new Set<string>();
  for (const schema of Object.values<any>(spec.components.schemas)) {
    for (const [name, property] of Object.entries<any>(resolve(schema)?.properties ?? {})) {
      if (isDecimal(property)) names.add(name);
    }
  }
  return names;
}

const sameSet = (a: ReadonlySet<string>, b: Iterable<string>): boolean => {
  const other = new Set(b);
  return a.size === other.size && [...a].every((x) => other.has(x));
};

/** Every mismatch with spec/vectors/exact-amounts.json (empty when all pass). */
export function checkExactVectors(path: string, specNames: ReadonlySet<string>): string[] {
  const vectors = JSON.parse(fs.readFileSync(path, "utf8"));
  const failures: string[] = [];
  for (const c of vectors.cases) {
    const got = quoteDecimals(c.input).text;
    if (got !== c.expected) failures.push(`${c.name}: got ${got}`);
  }
  if (vectors.cases.length < 10) failures.push("too few vectors");
  if (!sameSet(DECIMAL_NAMES, vectors.decimal_names) || !sameSet(specNames, vectors.decimal_names)) {
    failures.push(`amount names: reader ${[...DECIMAL_NAMES]}, vectors ${vectors.decimal_names}, spec ${[...specNames]}`);
  }
  return failures;
}

/** Found without the reader: every number of the answer (parsed as doubles)
 * that is an amount (under one of the spec's amount names, or with a
 * fraction) reached the client, at the same place, as a string denoting it.
 * `read` is what the client parsed; `rename` maps a JSON name to the
 * client's property name (typescript-fetch camel-cases them). */
export function typedAmountsReadExactly(
  wire: unknown,
  read: unknown,
  names: ReadonlySet<string>,
  rename: (name: string) => string = (name) => name,
  place = "body",
  member = "",
): string | null {
  if (typeof wire === "number") {
    if (!names.has(member) && Number.isInteger(wire)) return null;
    return typeof read === "string" && Number(read) === wire ? null : `${place} is the number ${wire}, the client read ${JSON.stringify(read)}`;
  }
  if (Array.isArray(wire)) {
    for (const [index, value] of wire.entries()) {
      const failure = typedAmountsReadExactly(value, Array.isArray(read) ? read[index] : undefined, names, rename, `${place}[${index}]`);
      if (failure !== null) return failure;
    }
  } else if (wire !== null && typeof wire === "object") {
    for (const [key, value] of Object.entries(wire)) {
      const inner = read !== null && typeof read === "object" ? (read as Record<string, unknown>)[rename(key)] : undefined;
      const failure = typedAmountsReadExactly(value, inner, names, rename, `${place}.${key}`, key);
      if (failure !== null) return failure;
    }
  }
  return null;
}
