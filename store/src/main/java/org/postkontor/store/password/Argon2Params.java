package org.postkontor.store.password;

/**
 * Cost of new Argon2id hashes (RFC 9106). Validated once; a stored hash whose parameters differ
 * from the current ones is rehashed at the next successful login.
 *
 * @param memoryKiB   memory in KiB ({@code m=}); at least 8 per lane
 * @param iterations  passes over memory ({@code t=})
 * @param parallelism lanes ({@code p=})
 */
public record Argon2Params(int memoryKiB, int iterations, int parallelism) {

    /**
     * OWASP's first recommended Argon2id setting (19 MiB, 2 passes, 1 lane): about 0.15 s per
     * login measured on a busy 2-core box (BENCHMARKS.md). Dovecot's own default is m=65536,t=3,p=1.
     */
    public static final Argon2Params DEFAULT = new Argon2Params(19_456, 2, 1);

    /**
     * Upper bounds, also applied to imported hashes so that one odd line cannot stall a login or
     * exhaust memory (each verification allocates {@code m} KiB).
     */
    public static final int MAX_MEMORY_KIB = 256 * 1024;
    public static final int MAX_ITERATIONS = 64;
    public static final int MAX_PARALLELISM = 64;

    /** Salt and hash lengths of new hashes, in bytes (RFC 9106 §3.1 recommends 16 and 32). */
    public static final int SALT_BYTES = 16;
    public static final int HASH_BYTES = 32;

    public Argon2Params {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("argon2 parallelism must be 1 to " + MAX_PARALLELISM);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("argon2 iterations must be 1 to " + MAX_ITERATIONS);
        }
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("argon2 memory must be 8 KiB per lane to " + MAX_MEMORY_KIB + " KiB");
        }
    }
}
