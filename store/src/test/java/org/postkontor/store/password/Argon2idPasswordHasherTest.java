package org.postkontor.store.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postkontor.store.testing.ClientTools;

class Argon2idPasswordHasherTest {

    /** Small cost: these tests check formats, not strength. */
    static final Argon2Params CHEAP = new Argon2Params(1024, 1, 1);

    final Argon2idPasswordHasher hasher = new Argon2idPasswordHasher(CHEAP);

    @Test
    void newHashIsArgon2idInDovecotNotationAndVerifies() {
        String h = hasher.hash("correct horse".toCharArray());
        assertTrue(h.matches("\\{ARGON2ID}\\$argon2id\\$v=19\\$m=1024,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), h);
        assertTrue(hasher.verify(h, "correct horse".toCharArray()));
        assertFalse(hasher.verify(h, "correct horse ".toCharArray()));
        assertFalse(hasher.verify(h, new char[0]));
        assertEquals("ARGON2ID", hasher.scheme(h));
        assertFalse(hasher.needsRehash(h));
    }

    @Test
    void saltIsRandom() {
        assertNotEquals(hasher.hash("x".toCharArray()), hasher.hash("x".toCharArray()));
    }

    @Test
    void otherParametersNeedRehash() {
        String h = hasher.hash("pw".toCharArray());
        Argon2idPasswordHasher stronger = new Argon2idPasswordHasher(new Argon2Params(2048, 1, 1));
        assertTrue(stronger.needsRehash(h));
        assertTrue(stronger.verify(h, "pw".toCharArray()), "old parameters still verify");
        assertTrue(hasher.needsRehash("{PLAIN}pw"));
        assertTrue(hasher.needsRehash("{ARGON2I}$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assertTrue(hasher.needsRehash("garbage"));
    }

    @Test
    void nonAsciiPasswordIsHashedAsUtf8() {
        char[] pw = "pässwörd-€".toCharArray();
        assertTrue(hasher.verify(hasher.hash(pw), pw));
        assertTrue(hasher.verify("{PLAIN}pässwörd-€", pw));
    }

    /** Reference vector of RFC 9106 §5.3 is for raw Argon2id with secret/AD; check against the PHC reference instead. */
    @Test
    void readsPhcReferenceArgon2Strings() {
        // From the argon2 reference implementation's test suite (password "password", salt "somesalt").
        String i = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
        assertTrue(hasher.verify("{ARGON2I}" + i, "password".toCharArray()));
        assertFalse(hasher.verify("{ARGON2I}" + i, "passwore".toCharArray()));
        assertFalse(hasher.verify("{ARGON2ID}" + i, "password".toCharArray()), "variant must match the scheme");
        String id = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertTrue(hasher.verify("{ARGON2ID}" + id, "password".toCharArray()));
        assertTrue(hasher.verify(id, "password".toCharArray()), "bare crypt string");
    }

    @Test
    void knownDigestSchemes() {
        // SSHA of "secret" with salt "salt": base64(sha1("secretsalt") || "salt")
        assertTrue(hasher.verify("{PLAIN}secret", "secret".toCharArray()));
        assertFalse(hasher.verify("{PLAIN}secret", "Secret".toCharArray()));
        assertTrue(hasher.verify("{CLEARTEXT}secret", "secret".toCharArray()));
        assertTrue(hasher.verify("{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret".toCharArray()));
        assertTrue(hasher.verify("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret".toCharArray()));
        assertTrue(hasher.verify("{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret".toCharArray()));
        assertTrue(hasher.verify("{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", "secret".toCharArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}x", "{NOPE}x", "{SSHA}AAAA", "{SHA512-CRYPT}$5$abc$def", "$y$j9T$abc$def",
            "{ARGON2ID}$argon2id$v=19$m=9999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "{BLF-CRYPT}$2y$31$GFPUVfR4pxnO7X9J/syJXeR.pty0dcTiQSa7r3AD/SikVIlzRxEjm", "{PLAIN}",
            "{SHA256-CRYPT}$5$rounds=999999999$nBcO8291soH8a5xU$Dadmu1KkRD7Dj4j9dGY6mAxRSUX2qpckjqVRnghiIND"})
    void unreadableHashesNeverVerifyAndSayWhy(String stored) {
        assertTrue(Argon2idPasswordHasher.problem(stored).isPresent(), stored);
        assertFalse(hasher.verify(stored, "secret".toCharArray()));
        assertFalse(hasher.verify(stored, "".toCharArray()));
        assertTrue(hasher.needsRehash(stored));
    }

    @Test
    void problemTextNeverContainsTheHash() {
        String stored = "{SSHA512}notbase64!!secretish";
        assertFalse(Argon2idPasswordHasher.problem(stored).orElseThrow().contains("secretish"));
    }

    /** Every scheme of issue 6, hashed by Dovecot itself. */
    @ParameterizedTest
    @ValueSource(strings = {"ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "SSHA512", "SSHA256",
            "SSHA", "PLAIN", "CRYPT", "MD5-CRYPT", "SMD5", "SHA512", "SHA256", "SHA", "PLAIN-MD5", "LDAP-MD5",
            "DES-CRYPT"})
    void verifiesWhatDoveadmWrites(String scheme) throws Exception {
        String password = "Tr0ub4dor&3 ünïcode";
        String stored = doveadmPw(scheme, password);
        assertTrue(Argon2idPasswordHasher.problem(stored).isEmpty(), stored);
        if (scheme.equals("DES-CRYPT")) {
            // DES crypt reads 8 characters only, as it always did.
            assertTrue(hasher.verify(stored, password.substring(0, 8).toCharArray()));
            return;
        }
        assertTrue(hasher.verify(stored, password.toCharArray()), stored);
        assertFalse(hasher.verify(stored, (password + "x").toCharArray()), stored);
        assertFalse(hasher.verify(stored, "tr0ub4dor&3 ünïcode".toCharArray()), stored);
        assertTrue(hasher.needsRehash(stored));
        assertEquals(scheme, hasher.scheme(stored));
        // bare crypt strings as old passwd-files hold them
        String data = stored.substring(stored.indexOf('}') + 1);
        if (data.startsWith("$")) {
            assertTrue(hasher.verify(data, password.toCharArray()));
            assertEquals("CRYPT", hasher.scheme(data));
        }
    }

    @Test
    void longPasswordAgainstDoveadmBcrypt() throws Exception {
        String password = "a".repeat(80);
        String stored = doveadmPw("BLF-CRYPT", password);
        assertTrue(hasher.verify(stored, password.toCharArray()));
    }

    static String doveadmPw(String scheme, String password) throws IOException, InterruptedException {
        ClientTools.require(Files.isExecutable(Path.of("/usr/bin/doveadm")),
                "/usr/bin/doveadm (Debian's dovecot-core, to check Dovecot's hashes) is not installed");
        Process p = new ProcessBuilder("/usr/bin/doveadm", "pw", "-s", scheme, "-p", password)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "doveadm pw timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        return lines.get(lines.size() - 1);
    }
}
