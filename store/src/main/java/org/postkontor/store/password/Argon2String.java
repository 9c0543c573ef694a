package org.postkontor.store.password;

import java.util.Base64;

/**
 * The PHC string format of Argon2 as libargon2, libsodium and Dovecot write it:
 * {@code $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>}, salt and hash in unpadded standard
 * Base64. Version 16 (0x10) and 19 (0x13) are read; a missing {@code v=} means 16, as libargon2
 * reads it.
 */
record Argon2String(boolean id, int version, int memoryKiB, int iterations, int parallelism, byte[] salt,
                    byte[] hash) {

    static final int MIN_SALT = 8;
    static final int MAX_SALT = 64;
    static final int MIN_HASH = 4;
    static final int MAX_HASH = 1024;

    static Argon2String parse(String s) {
        String[] p = s.split("\\$", -1);
        // "", "argon2id", ["v=19"], "m=..,t=..,p=..", salt, hash
        if (p.length != 5 && p.length != 6 || !p[0].isEmpty()) {
            throw new IllegalArgumentException("malformed argon2 hash");
        }
        boolean id = switch (p[1]) {
            case "argon2id" -> true;
            case "argon2i" -> false;
            default -> throw new IllegalArgumentException("unsupported argon2 variant");
        };
        int i = 2;
        int version = 0x10;
        if (p.length == 6) {
            if (!p[2].startsWith("v=")) {
                throw new IllegalArgumentException("malformed argon2 version");
            }
            version = number(p[2].substring(2), 0x13);
            if (version != 0x10 && version != 0x13) {
                throw new IllegalArgumentException("unsupported argon2 version");
            }
            i = 3;
        }
        int m = -1;
        int t = -1;
        int par = -1;
        String[] kv = p[i].split(",", -1);
        if (kv.length != 3) {
            throw new IllegalArgumentException("malformed argon2 parameters");
        }
        for (String pair : kv) {
            if (pair.startsWith("m=")) {
                m = number(pair.substring(2), Argon2Params.MAX_MEMORY_KIB);
            } else if (pair.startsWith("t=")) {
                t = number(pair.substring(2), Argon2Params.MAX_ITERATIONS);
            } else if (pair.startsWith("p=")) {
                par = number(pair.substring(2), Argon2Params.MAX_PARALLELISM);
            } else {
                throw new IllegalArgumentException("malformed argon2 parameters");
            }
        }
        if (m < 0 || t < 1 || par < 1 || m < 8 * par) {
            throw new IllegalArgumentException("argon2 parameters out of range");
        }
        byte[] salt = base64(p[i + 1]);
        byte[] hash = base64(p[i + 2]);
        if (salt.length < MIN_SALT || salt.length > MAX_SALT || hash.length < MIN_HASH || hash.length > MAX_HASH) {
            throw new IllegalArgumentException("argon2 salt or hash length out of range");
        }
        return new Argon2String(id, version, m, t, par, salt, hash);
    }

    String format() {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$" + (id ? "argon2id" : "argon2i") + "$v=" + version + "$m=" + memoryKiB + ",t=" + iterations
                + ",p=" + parallelism + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static int number(String s, int max) {
        if (s.isEmpty() || s.length() > 10) {
            throw new IllegalArgumentException("argon2 parameters out of range");
        }
        long v = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("malformed argon2 parameters");
            }
            v = v * 10 + (c - '0');
        }
        if (v > max) {
            throw new IllegalArgumentException("argon2 parameters out of range");
        }
        return (int) v;
    }

    private static byte[] base64(String s) {
        if (s.isEmpty() || s.indexOf('=') >= 0) {
            throw new IllegalArgumentException("malformed argon2 salt or hash");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed argon2 salt or hash");
        }
    }
}
