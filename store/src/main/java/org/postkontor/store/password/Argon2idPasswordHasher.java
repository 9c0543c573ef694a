package org.postkontor.store.password;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.postkontor.store.PasswordHasher;

/**
 * Hashes new passwords with Argon2id (Bouncy Castle) and verifies what a Dovecot passwd-file
 * holds, so that imported users log in with their old passwords and are rehashed at that login.
 *
 * <p>New hashes: {@code {ARGON2ID}$argon2id$v=19$m=..,t=..,p=..$salt$hash} with the configured
 * {@link Argon2Params}, a 16-byte random salt and a 32-byte hash, the form Dovecot itself writes.
 *
 * <p>Verified schemes (Dovecot's names, case-insensitive): {@code ARGON2ID}, {@code ARGON2I},
 * {@code BLF-CRYPT} ({@code $2a$}, {@code $2b$}, {@code $2y$}), {@code SHA512-CRYPT} ({@code $6$}),
 * {@code SHA256-CRYPT} ({@code $5$}), {@code MD5-CRYPT}/{@code MD5} ({@code $1$}),
 * {@code DES-CRYPT}, {@code CRYPT} and bare crypt strings (any of the crypt forms above, chosen by
 * prefix), {@code SSHA512}, {@code SSHA256}, {@code SSHA}, {@code SMD5}, {@code SHA512},
 * {@code SHA256}, {@code SHA}/{@code SHA1}, {@code PLAIN-MD5}, {@code LDAP-MD5}, and
 * {@code PLAIN}/{@code CLEAR}/{@code CLEARTEXT}. Digest schemes read Base64 or hex, and the
 * {@code .b64}/{@code .hex} suffixes. Every comparison of a computed and a stored value is
 * constant-time. Passwords are taken as UTF-8 bytes, as Dovecot takes them.
 *
 * <p>Cost parameters of stored hashes are bounded (Argon2 per {@link Argon2Params}, bcrypt cost
 * 4 to {@value #MAX_BCRYPT_COST}, sha-crypt up to {@value #MAX_SHA_CRYPT_ROUNDS} rounds), so that
 * one odd imported line cannot stall a login; such a hash is refused by {@link #problem}.
 *
 * <p>Thread-safe.
 */
public final class Argon2idPasswordHasher implements PasswordHasher {

    public static final int MAX_BCRYPT_COST = 18;
    public static final int MAX_SHA_CRYPT_ROUNDS = 10_000_000;

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final Pattern SHA_CRYPT =
            Pattern.compile("\\$([56])\\$(?:rounds=(\\d{1,10})\\$)?[./A-Za-z0-9]{1,16}\\$([./A-Za-z0-9]+)");
    private static final Pattern MD5_CRYPT = Pattern.compile("\\$1\\$[./A-Za-z0-9]{1,8}\\$[./A-Za-z0-9]{22}");
    private static final Pattern DES_CRYPT = Pattern.compile("[./A-Za-z0-9]{13}");

    private final Argon2Params params;
    private final SecureRandom random;

    public Argon2idPasswordHasher(Argon2Params params) {
        this(params, new SecureRandom());
    }

    public Argon2idPasswordHasher(Argon2Params params, SecureRandom random) {
        this.params = Objects.requireNonNull(params, "params");
        this.random = Objects.requireNonNull(random, "random");
    }

    public Argon2Params params() {
        return params;
    }

    @Override
    public String hash(char[] password) {
        byte[] pw = utf8(password);
        try {
            byte[] salt = new byte[Argon2Params.SALT_BYTES];
            random.nextBytes(salt);
            byte[] out = argon2(true, 0x13, params.memoryKiB(), params.iterations(), params.parallelism(), salt, pw,
                    Argon2Params.HASH_BYTES);
            return "{ARGON2ID}" + new Argon2String(true, 0x13, params.memoryKiB(), params.iterations(),
                    params.parallelism(), salt, out).format();
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    @Override
    public boolean verify(String stored, char[] password) {
        Check check;
        try {
            check = prepare(stored);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] pw = utf8(password);
        try {
            return check.matches(pw);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    @Override
    public boolean needsRehash(String stored) {
        try {
            StoredHash h = StoredHash.parse(stored);
            if (!h.scheme().equals("ARGON2ID") || !h.encoding().isEmpty()) {
                return true;
            }
            Argon2String a = Argon2String.parse(h.data());
            return !a.id() || a.version() != 0x13 || a.memoryKiB() != params.memoryKiB()
                    || a.iterations() != params.iterations() || a.parallelism() != params.parallelism()
                    || a.salt().length < Argon2Params.SALT_BYTES || a.hash().length < Argon2Params.HASH_BYTES;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    @Override
    public String scheme(String stored) {
        try {
            return StoredHash.parse(stored).scheme();
        } catch (IllegalArgumentException e) {
            return "UNKNOWN";
        }
    }

    /**
     * Why {@code stored} can never verify (unknown scheme, malformed data, cost out of bounds), or
     * empty if it is a hash this class reads. The text names the scheme, never the hash.
     */
    public static Optional<String> problem(String stored) {
        try {
            prepare(stored);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** A parsed, bounded stored hash, ready to compare a password (as UTF-8 bytes) against. */
    @FunctionalInterface
    private interface Check {
        boolean matches(byte[] password);
    }

    private static Check prepare(String stored) {
        StoredHash h = StoredHash.parse(stored);
        String d = h.data();
        return switch (h.scheme()) {
            case "ARGON2ID" -> argon2(d, true);
            case "ARGON2I" -> argon2(d, false);
            case "BLF-CRYPT" -> crypt(d, "$2", h);
            case "SHA512-CRYPT" -> crypt(d, "$6$", h);
            case "SHA256-CRYPT" -> crypt(d, "$5$", h);
            case "MD5-CRYPT", "MD5" -> crypt(d, "$1$", h);
            case "DES-CRYPT" -> des(d);
            case "CRYPT" -> crypt(d);
            case "SSHA512" -> salted("SHA-512", 64, h);
            case "SSHA256" -> salted("SHA-256", 32, h);
            case "SSHA" -> salted("SHA-1", 20, h);
            case "SMD5" -> salted("MD5", 16, h);
            case "SHA512" -> digest("SHA-512", 64, h, false);
            case "SHA256" -> digest("SHA-256", 32, h, false);
            case "SHA", "SHA1" -> digest("SHA-1", 20, h, false);
            case "LDAP-MD5" -> digest("MD5", 16, h, false);
            case "PLAIN-MD5" -> digest("MD5", 16, h, true);
            case "PLAIN", "CLEAR", "CLEARTEXT" -> plain(h);
            default -> throw new IllegalArgumentException("unsupported password scheme {" + h.scheme() + "}");
        };
    }

    /** A crypt string that must be of the kind its scheme names. */
    private static Check crypt(String data, String prefix, StoredHash h) {
        if (!data.startsWith(prefix)) {
            throw new IllegalArgumentException("malformed {" + h.scheme() + "} hash");
        }
        return crypt(data);
    }

    private static Check argon2(String data, boolean id) {
        Argon2String a = Argon2String.parse(data);
        if (a.id() != id) {
            throw new IllegalArgumentException("argon2 variant does not match its scheme");
        }
        return pw -> {
            byte[] computed = argon2(a.id(), a.version(), a.memoryKiB(), a.iterations(), a.parallelism(), a.salt(),
                    pw, a.hash().length);
            return MessageDigest.isEqual(computed, a.hash());
        };
    }

    private static byte[] argon2(boolean id, int version, int m, int t, int p, byte[] salt, byte[] pw, int length) {
        Argon2Parameters ap = new Argon2Parameters.Builder(id ? Argon2Parameters.ARGON2_id : Argon2Parameters.ARGON2_i)
                .withVersion(version == 0x13 ? Argon2Parameters.ARGON2_VERSION_13 : Argon2Parameters.ARGON2_VERSION_10)
                .withSalt(salt).withMemoryAsKB(m).withIterations(t).withParallelism(p).build();
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(ap);
        byte[] out = new byte[length];
        g.generateBytes(pw, out);
        return out;
    }

    /** Any crypt(3) string, chosen by its prefix. */
    private static Check crypt(String s) {
        if (s.startsWith("$argon2id$")) {
            return argon2(s, true);
        }
        if (s.startsWith("$argon2i$")) {
            return argon2(s, false);
        }
        if (s.startsWith("$2")) {
            Matcher m = BCRYPT.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("malformed bcrypt hash (only $2a$, $2b$, $2y$ are read)");
            }
            int cost = Integer.parseInt(m.group(1));
            if (cost < 4 || cost > MAX_BCRYPT_COST) {
                throw new IllegalArgumentException("bcrypt cost must be 4 to " + MAX_BCRYPT_COST);
            }
            return pw -> bcrypt(s, pw);
        }
        if (s.startsWith("$5$") || s.startsWith("$6$")) {
            Matcher m = SHA_CRYPT.matcher(s);
            int hashLength = s.startsWith("$6$") ? 86 : 43;
            if (!m.matches() || m.group(3).length() != hashLength) {
                throw new IllegalArgumentException("malformed sha-crypt hash");
            }
            if (m.group(2) != null && Long.parseLong(m.group(2)) > MAX_SHA_CRYPT_ROUNDS) {
                throw new IllegalArgumentException("sha-crypt rounds above " + MAX_SHA_CRYPT_ROUNDS);
            }
            boolean sha512 = s.startsWith("$6$");
            return pw -> equal(sha512 ? Sha2Crypt.sha512Crypt(pw, s) : Sha2Crypt.sha256Crypt(pw, s), s);
        }
        if (s.startsWith("$1$")) {
            if (!MD5_CRYPT.matcher(s).matches()) {
                throw new IllegalArgumentException("malformed md5-crypt hash");
            }
            return pw -> equal(Md5Crypt.md5Crypt(pw, s), s);
        }
        if (s.startsWith("$y$") || s.startsWith("$7$") || s.startsWith("$gy$")) {
            throw new IllegalArgumentException("yescrypt/scrypt crypt hashes are not supported");
        }
        if (s.startsWith("$")) {
            throw new IllegalArgumentException("unsupported crypt hash");
        }
        return des(s);
    }

    private static Check des(String s) {
        if (!DES_CRYPT.matcher(s).matches()) {
            throw new IllegalArgumentException("malformed crypt hash");
        }
        return pw -> equal(UnixCrypt.crypt(pw, s.substring(0, 2)), s);
    }

    private static boolean bcrypt(String s, byte[] pw) {
        // OpenBSD's bcrypt reads at most 72 bytes of the password; BC refuses longer ones.
        byte[] key = pw.length > 72 ? Arrays.copyOf(pw, 72) : pw;
        try {
            return OpenBSDBCrypt.checkPassword(s, key);
        } catch (IllegalArgumentException e) {
            return false;
        } finally {
            if (key != pw) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    private static Check salted(String algorithm, int digestLength, StoredHash h) {
        byte[] raw = decode(h, digestLength, false);
        if (raw.length <= digestLength) {
            throw new IllegalArgumentException("{" + h.scheme() + "} hash has no salt");
        }
        byte[] expected = Arrays.copyOf(raw, digestLength);
        byte[] salt = Arrays.copyOfRange(raw, digestLength, raw.length);
        return pw -> {
            MessageDigest md = messageDigest(algorithm);
            md.update(pw);
            md.update(salt);
            return MessageDigest.isEqual(md.digest(), expected);
        };
    }

    private static Check digest(String algorithm, int digestLength, StoredHash h, boolean hexDefault) {
        byte[] expected = decode(h, digestLength, hexDefault);
        if (expected.length != digestLength) {
            throw new IllegalArgumentException("{" + h.scheme() + "} hash has the wrong length");
        }
        return pw -> MessageDigest.isEqual(messageDigest(algorithm).digest(pw), expected);
    }

    /** Base64 unless the suffix, the scheme's default or a hex string of exactly the digest length says hex. */
    private static byte[] decode(StoredHash h, int digestLength, boolean hexDefault) {
        String d = h.data();
        boolean looksHex = d.length() == 2 * digestLength && d.chars().allMatch(c -> Character.digit(c, 16) >= 0);
        boolean hex = h.encoding().equals("HEX") || (h.encoding().isEmpty() && (hexDefault || looksHex));
        try {
            return hex ? HexFormat.of().parseHex(d) : Base64.getDecoder().decode(d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed {" + h.scheme() + "} hash");
        }
    }

    private static Check plain(StoredHash h) {
        if (!h.encoding().isEmpty()) {
            throw new IllegalArgumentException("encoded {" + h.scheme() + "} passwords are not supported");
        }
        if (h.data().isEmpty()) {
            throw new IllegalArgumentException("empty {" + h.scheme() + "} password");
        }
        byte[] expected = h.data().getBytes(StandardCharsets.UTF_8);
        return pw -> MessageDigest.isEqual(pw, expected);
    }

    private static boolean equal(String computed, String stored) {
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                stored.getBytes(StandardCharsets.US_ASCII));
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " missing from this JDK", e);
        }
    }

    private static byte[] utf8(char[] password) {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }
}
