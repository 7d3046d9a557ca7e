// Runs the MDN HTTP Observatory's own retriever and tests (npm @mdn/mdn-http-observatory) on one
// page of a local server, which its CLI cannot do (it scans a hostname's default ports and path).
// Usage: node scan.mjs HOST PORT PATH  →  JSON: { "<test>": { "pass": bool, "result": "..." } }
// Imported from the package's own files, so the checks and the scoring are exactly its own.
import { retrieve } from "@mdn/mdn-http-observatory/src/retriever/retriever.js";
import { ALL_TESTS } from "@mdn/mdn-http-observatory/src/constants.js";
import { getScoreModifier } from "@mdn/mdn-http-observatory/src/grader/grader.js";

const [host, port, path] = process.argv.slice(2);
// Nothing listens on the https port: the scan falls back to http, as for a site without TLS.
const requests = await retrieve(host, { httpPort: Number(port), httpsPort: 1, path });
if (!requests.responses.auto) {
  console.error(`could not fetch http://${host}:${port}${path}`);
  process.exit(2);
}
const out = {};
for (const test of ALL_TESTS) {
  const result = test(requests);
  out[test.name] = { pass: result.pass, result: result.result, score_modifier: getScoreModifier(result.result) };
}
console.log(JSON.stringify(out));
