// Each stored format read by the npm library a Node application verifies it with, after
// normalizing the password as typed to NFKC (docs/existing-users-table.md). Used by
// tests/api/hash_formats.rs; not a snippet to copy.
//
// stdin: one JSON object per line, {"format": ..., "stored": ..., "password": ...}, optionally
// with "raw": true
// stdout: one line per object, "match" or "no match"; with "raw", the library's own call as
// docs/existing-users-table.md shows it (no format check, nothing caught), and "raises
// <name>: <message>" when it throws
//
// Formats: argon2id (hash-wasm), bcrypt and bcrypt-2y (bcryptjs). Needs both packages.
import { createInterface } from "node:readline";
import { argon2Verify } from "hash-wasm";
import bcrypt from "bcryptjs";

async function verify(format, stored, password) {
  password = password.normalize("NFKC");
  try {
    if (format === "argon2id") return stored.startsWith("$argon2id$") && (await argon2Verify({ password, hash: stored }));
    if (format === "bcrypt") return stored.startsWith("$2b$") && bcrypt.compareSync(password, stored);
    if (format === "bcrypt-2y") return stored.startsWith("$2y$") && bcrypt.compareSync(password, stored);
  } catch {
    return false;
  }
  throw new Error(`unknown format ${format}`);
}

async function raw(format, stored, password) {
  password = password.normalize("NFKC");
  if (format === "argon2id") return await argon2Verify({ password, hash: stored });
  if (format === "bcrypt" || format === "bcrypt-2y") return await bcrypt.compare(password, stored);
  throw new Error(`unknown format ${format}`);
}

async function answer({ format, stored, password, raw: asCalled }) {
  if (!asCalled) return (await verify(format, stored, password)) ? "match" : "no match";
  try {
    return (await raw(format, stored, password)) ? "match" : "no match";
  } catch (e) {
    return `raises ${e.name}: ${e.message}`;
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  console.log(await answer(JSON.parse(line)));
}
