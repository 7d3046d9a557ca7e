// Signing in against a hash the password-reset service stored, in Node: the rule of the
// `login-password` crate (docs/existing-users-table.md, "Signing in with a password set here").
//
//   await verify(passwordAsTyped, storedPhc) -> boolean
//
// And the session rule after a reset (the same document, "Sessions after a reset"):
//
//   sessionIsCurrent(sessionIssuedAt, passwordChangedAt) -> boolean
//
// Needs the npm package hash-wasm (argon2 in WebAssembly, no native build). Usage as a script:
// node check.mjs PHC PASSWORD (prints match / no match); node check.mjs sessions, with one JSON
// array [issuedAt, passwordChangedAt] a line on stdin (a number as DocumentClient gives it, a
// string as DynamoDB's number text, null as absent), prints current / ended a line: how
// tests/api/login.rs runs the cases.
import { argon2Verify } from "hash-wasm";

export async function verify(password, phc) {
  // NFKC of the password exactly as typed: no trim(), no toLowerCase().
  try {
    return await argon2Verify({ password: password.normalize("NFKC"), hash: phc });
  } catch {
    return false;
  }
}

export function sessionIsCurrent(sessionIssuedAt, passwordChangedAt) {
  // passwordChangedAt as read from the user item: undefined or null when it has none (no reset
  // ever), else a number (DocumentClient) or DynamoDB's number text ("1733200000").
  if (passwordChangedAt === undefined || passwordChangedAt === null) return true;
  const text = String(passwordChangedAt);
  const changedAt = Number(text);
  // Not whole Unix seconds: fail closed, end the session.
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(changedAt)) return false;
  // The same second as the reset stands: a sign-in right after it must not be ended.
  return sessionIssuedAt >= changedAt;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "sessions" && process.argv.length === 3) {
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    for (const line of input.split("\n").filter((l) => l !== "")) {
      const [issuedAt, changedAt] = JSON.parse(line);
      console.log(sessionIsCurrent(issuedAt, changedAt) ? "current" : "ended");
    }
  } else {
    console.log((await verify(process.argv[3], process.argv[2])) ? "match" : "no match");
  }
}
