// Signing in against a hash the password-reset service stored, in Node: the rule of the
// `login-password` crate (docs/existing-users-table.md, "Signing in with a password set here").
//
//   await verify(passwordAsTyped, storedPhc) -> boolean
//
// Needs the npm package hash-wasm (argon2 in WebAssembly, no native build). Usage as a script:
// node check.mjs PHC PASSWORD (prints match / no match).
import { argon2Verify } from "hash-wasm";

export async function verify(password, phc) {
  // NFKC of the password exactly as typed: no trim(), no toLowerCase().
  try {
    return await argon2Verify({ password: password.normalize("NFKC"), hash: phc });
  } catch {
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log((await verify(process.argv[3], process.argv[2])) ? "match" : "no match");
}
