<?php
// Each stored format PHP reads, as Laravel's hashers read it: password_get_info must name the
// string's algorithm (Laravel's BcryptHasher and Argon2IdHasher refuse any other), then
// password_verify, after normalizing the password as typed to NFKC (docs/existing-users-table.md).
// Used by tests/api/hash_formats.rs; not a snippet to copy.
//
// stdin: one JSON object per line, {"format": ..., "stored": ..., "password": ...}, optionally
// with "raw": true
// stdout: one line per object, "match" or "no match"; with "raw", password_verify alone (no
// password_get_info first), and "raises <class>" when it throws
//
// Formats: argon2id (PHP built with argon2), bcrypt-2y. Needs php-cli with intl (Normalizer)
// or, without intl, refuses to run.
if (!class_exists('Normalizer')) {
    fwrite(STDERR, "PHP's intl extension (Normalizer) is missing: install php-intl\n");
    exit(2);
}
if (!defined('PASSWORD_ARGON2ID')) {
    fwrite(STDERR, "this PHP has no argon2 support\n");
    exit(2);
}
$algorithms = ['argon2id' => 'argon2id', 'bcrypt-2y' => 'bcrypt'];
while (($line = fgets(STDIN)) !== false) {
    $case = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    if (!isset($algorithms[$case['format']])) {
        fwrite(STDERR, "unknown format {$case['format']}\n");
        exit(2);
    }
    $password = Normalizer::normalize($case['password'], Normalizer::FORM_KC);
    if (!empty($case['raw'])) {
        try {
            echo password_verify($password, $case['stored']) ? "match\n" : "no match\n";
        } catch (Throwable $e) {
            echo 'raises ' . get_class($e) . "\n";
        }
        continue;
    }
    $ok = password_get_info($case['stored'])['algoName'] === $algorithms[$case['format']]
        && password_verify($password, $case['stored']);
    echo $ok ? "match\n" : "no match\n";
}
