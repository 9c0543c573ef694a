package org.postkontor.store.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real clients tests drive (curl, swaks, fetchmail, doveadm, nmap, sslscan, ...). Where one is
 * missing, a test that needs it is skipped on a developer's machine, saying what to install, and
 * fails under CI (environment {@code CI=true}): {@code .ci/install-packages} installs every one, so
 * a missing client there is a broken install step, not a reason to skip. Shared through the
 * store's test-jar.
 */
public final class ClientTools {
    private ClientTools() {}

    /** True if an executable {@code name} is on the PATH. */
    public static boolean onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test (fails it under CI) unless {@code name} is on the PATH. */
    public static void require(String name) {
        require(onPath(name), name + " is not installed");
    }

    /** Skips the test (fails it under CI) unless {@code present}; {@code missing} says what is missing. */
    public static void require(boolean present, String missing) {
        require(present, missing, "true".equalsIgnoreCase(System.getenv("CI")));
    }

    static void require(boolean present, String missing, boolean ci) {
        if (present) {
            return;
        }
        String message = missing + " (.ci/install-packages installs it)";
        if (ci) {
            fail(message + "; CI=true, so this is a failure, not a skip");
        }
        Assumptions.abort(message + "; skipped");
    }
}
