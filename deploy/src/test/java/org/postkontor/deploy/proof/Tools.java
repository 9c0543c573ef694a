package org.postkontor.deploy.proof;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.postkontor.store.testing.ClientTools;

/** Runs third-party tools (nmap, sslscan, openssl) with a bound on their time ({@code ClientTools} says whether they are there). */
final class Tools {
    private Tools() {}

    record Output(int exit, String text) {}

    /** Runs {@code cmd} with stdin closed; kills it (its own PID) after {@code seconds}. */
    static Output run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            reader.join(5_000);
            throw new IOException(String.join(" ", cmd) + " did not finish within " + seconds + " s");
        }
        reader.join(10_000);
        return new Output(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }
}
