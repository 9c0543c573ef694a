package org.postkontor.smtp.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.postkontor.store.testing.ClientTools;

/**
 * A throw-away authoritative DNS answerer for tests: Debian's dnsmasq (package dnsmasq-base) on
 * 127.0.0.1 and a free UDP port, answering only what the test gives it ({@code --txt-record},
 * {@code --address}, {@code --local}, ...) and nothing from the internet. Stopped by its PID.
 * Skipped where dnsmasq is missing, a failure under CI ({@link ClientTools}).
 */
public final class LocalDns implements AutoCloseable {

    public static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");

    private final Process process;
    private final int port;

    private LocalDns(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * A UDP port on 127.0.0.1 whose TCP twin is free too: dnsmasq listens on both, without
     * SO_REUSEADDR, so a TCP connection of an earlier test lingering in TIME_WAIT on that port
     * would make it exit.
     */
    private static int freePort() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                 ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress("127.0.0.1", udp.getLocalPort()));
                return udp.getLocalPort();
            } catch (BindException e) {
                if (attempt == 50) {
                    throw e;
                }
            }
        }
    }

    /** Starts dnsmasq with these record options; returns when it answers. */
    public static LocalDns start(Path dir, List<String> records) throws IOException, InterruptedException {
        ClientTools.require(Files.isExecutable(DNSMASQ), "dnsmasq (Debian package dnsmasq-base)");
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(DNSMASQ.toString(), "--keep-in-foreground", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
                "--pid-file=", "--user=" + System.getProperty("user.name"), "--log-facility=-"));
        cmd.addAll(records);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(Files.createTempFile(dir, "dnsmasq", ".log").toFile()).start();
        LocalDns dns = new LocalDns(p, port);
        for (int i = 0; i < 100; i++) {
            if (!p.isAlive()) {
                throw new IOException("dnsmasq exited with " + p.exitValue() + ": " + cmd);
            }
            if (dns.answers()) {
                return dns;
            }
            Thread.sleep(50);
        }
        dns.close();
        throw new IOException("dnsmasq did not answer on 127.0.0.1:" + port);
    }

    /** True if a query for "." gets any answer. */
    private boolean answers() throws IOException {
        byte[] q = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(200);
            s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), port));
            s.receive(new DatagramPacket(new byte[512], 512));
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
