package org.postkontor.admin.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;

/**
 * The bearer token of the admin HTTP API: {@value #FILE_NAME} under the data directory, 32 random
 * bytes in URL-safe Base64, readable and writable by the appliance's user only (0600). The
 * appliance calls {@link #ensure} at start (kept if it exists, so that scripts holding it keep
 * working; delete the file and restart to rotate it); the CLI reads it with {@link #read}.
 */
public final class AdminToken {

    public static final String FILE_NAME = "admin.token";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final String value;

    private AdminToken(String value) {
        if (value.length() < 16) {
            throw new IllegalArgumentException("admin token too short");
        }
        this.value = value;
    }

    /** Wraps a token given by configuration or a test. */
    public static AdminToken of(String value) {
        return new AdminToken(Objects.requireNonNull(value, "token").strip());
    }

    /** Reads the token, creating it first (atomically, 0600) if there is none; tightens its permissions. */
    public static AdminToken ensure(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
            Files.deleteIfExists(tmp);
            if (posix(dataDir)) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(tmp);
            }
        } else if (posix(dataDir)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        return read(dataDir);
    }

    /** Reads the token the appliance wrote; {@link java.nio.file.NoSuchFileException} if there is none. */
    public static AdminToken read(Path dataDir) throws IOException {
        return of(Files.readString(dataDir.resolve(FILE_NAME), StandardCharsets.US_ASCII));
    }

    /** Constant-time comparison with a presented token. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** The token itself, for an {@code Authorization: Bearer} header. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return "AdminToken[***]";
    }

    private static boolean posix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
