package org.postkontor.smtp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.postkontor.store.testing.ClientTools;

/**
 * Debian's clamd for tests, with one local signature (no download is possible here): the EICAR
 * test string, as {@code Postkontor.Test.EICAR}. Listens on 127.0.0.1 and a free TCP port (what
 * rspamd's antivirus module talks to), runs in the foreground as a child process, stopped by its
 * PID. Skipped where clamd is missing, a failure under CI ({@link ClientTools}).
 */
public final class LocalClamd implements AutoCloseable {

    public static final Path CLAMD = Path.of("/usr/sbin/clamd");
    /** The EICAR anti-virus test file (68 octets). */
    public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private final Process process;
    private final int port;

    private LocalClamd(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static LocalClamd start(Path dir) throws IOException, InterruptedException {
        ClientTools.require(Files.isExecutable(CLAMD), "clamd (Debian package clamav-daemon)");
        Path db = Files.createDirectories(dir.resolve("clamav-db"));
        Path tmp = Files.createDirectories(dir.resolve("clamav-tmp"));
        Files.writeString(db.resolve("postkontor-test.ndb"), "Postkontor.Test.EICAR:0:*:"
                + HexFormat.of().formatHex(EICAR.getBytes(StandardCharsets.US_ASCII)) + "\n");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String user = System.getProperty("user.name");
        Path conf = Files.writeString(dir.resolve("clamd.conf"), String.join("\n",
                "Foreground yes", "DatabaseDirectory " + db, "TemporaryDirectory " + tmp,
                "TCPSocket " + port, "TCPAddr 127.0.0.1", "LogFile " + dir.resolve("clamd.log"), "LogVerbose no",
                "User " + user, "StreamMaxLength 30M", "Bytecode no", "") );
        Process p = new ProcessBuilder(CLAMD.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamd.out").toFile()).start();
        LocalClamd c = new LocalClamd(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("clamd exited with " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("clamd.out")));
            }
            if (c.pong()) {
                return c;
            }
            Thread.sleep(200);
        }
        c.close();
        throw new IOException("clamd did not answer PING within 120 s");
    }

    private boolean pong() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2000);
            s.getOutputStream().write("zPING\0".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code 127.0.0.1:port}, as rspamd's antivirus module names a server. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
