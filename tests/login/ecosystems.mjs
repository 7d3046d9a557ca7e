// Each stored format read by the npm library a Node application verifies it with, after
// normalizing the password as typed to NFKC (docs/existing-users-table.md). Used by
// tests/api/hash_formats.rs; not a snippet to copy.
//
// stdin: one JSON object per line, {"format": ..., "stored": ..., "password": ...}
// stdout: one line per object, "match" or "no match"
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

for await (const line of createInterface({ input: process.stdin })) {
  const { format, stored, password } = JSON.parse(line);
  console.log((await verify(format, stored, password)) ? "match" : "no match");
}
