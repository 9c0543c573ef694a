package org.postkontor.store.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away authoritative DNS server for tests: Debian's dnsmasq ({@code dnsmasq-base}) on
 * 127.0.0.1 and a free port, answering only the records given (MX, A, TXT), forwarding nothing;
 * authoritative for {@code .test} (a name there without the asked type gets NODATA, an unknown one
 * NXDOMAIN, as a real zone answers).
 * Missing dnsmasq skips the test (fails it under CI). Stopped by its own process handle.
 */
public final class Dnsmasq implements AutoCloseable {

    private final Process process;
    private final int port;

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Records: {@code mx(domain, host, pref)}, {@code a(host, ip)}, {@code txt(name, text)}. */
    public static final class Records {
        private final List<String> args = new ArrayList<>();

        public Records mx(String domain, String host, int preference) {
            args.add("--mx-host=" + domain + "," + host + "," + preference);
            return this;
        }

        public Records a(String host, String ip) {
            args.add("--host-record=" + host + "," + ip);
            return this;
        }

        /** A long TXT record (a DKIM key) as strings of at most 255 characters, as DNS carries it. */
        public Records longTxt(String name, String text) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < text.length(); i += 255) {
                parts.add(text.substring(i, Math.min(text.length(), i + 255)));
            }
            args.add("--txt-record=" + name + "," + String.join(",", parts));
            return this;
        }

        public Records txt(String name, String text) {
            if (text.indexOf(',') >= 0) {
                throw new IllegalArgumentException("dnsmasq splits a TXT record at commas");
            }
            args.add("--txt-record=" + name + "," + text);
            return this;
        }
    }

    /**
     * A port on 127.0.0.1 free for both UDP and TCP (dnsmasq takes both), for
     * {@link #start(Records, int)} when a config must name it first.
     */
    public static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                int port = s.getLocalPort();
                try (java.net.ServerSocket t = new java.net.ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // the TCP port is in use: another one
                }
            }
        }
        throw new IOException("no port free for both UDP and TCP on 127.0.0.1");
    }

    public static Dnsmasq start(Records records) throws IOException, InterruptedException {
        return start(records, freePort());
    }

    public static Dnsmasq start(Records records, int port) throws IOException, InterruptedException {
        String bin = Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) ? "/usr/sbin/dnsmasq" : "dnsmasq";
        ClientTools.require(Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) || ClientTools.onPath("dnsmasq"),
                "dnsmasq (Debian package dnsmasq-base) is not installed");
        List<String> cmd = new ArrayList<>(List.of(bin, "--no-daemon", "--port=" + port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll", "--user=root", "--pid-file",
                "--log-facility=-", "--conf-file=/dev/null", "--local=/test/"));
        cmd.addAll(records.args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("dnsmasq exited with " + p.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200); // dnsmasq answers TCP too
                return new Dnsmasq(p, port);
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IOException("dnsmasq did not start");
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.toHandle().destroyForcibly();
        }
    }
}
