// Generates TypeScript types for spec/aurpay.yaml with openapi-typescript,
// with the one type mapping that keeps amounts exact: a schema marked
// `x-aurpay-decimal` (Amount, AmountOrNull: a JSON string or number) is a
// `string` (or `string | null` with `x-nullable`), because the client reads
// answers through exactFetch (exact.ts), which hands every decimal number
// on as a string with its digits. Without it the type would be `unknown`.
//
//   node .ci/ts-client/generate.mjs spec/aurpay.yaml target/ts-client/schema.d.ts
import fs from "node:fs";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const [spec, out] = process.argv.slice(2);
const string = ts.factory.createKeywordTypeNode(ts.SyntaxKind.StringKeyword);
const nullable = ts.factory.createUnionTypeNode([
  string,
  ts.factory.createLiteralTypeNode(ts.factory.createNull()),
]);
const ast = await openapiTS(new URL(`file://${path.resolve(spec)}`), {
  transform(schema) {
    if (schema["x-aurpay-decimal"]) {
      return schema["x-nullable"] ? nullable : string;
    }
    return undefined;
  },
});
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, astToString(ast));
console.log(`ts-client: types generated in ${out}`);
