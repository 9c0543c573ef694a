package org.postkontor.deploy.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.postkontor.store.testing.ClientTools;

/**
 * A throw-away HAProxy (Debian's {@code haproxy}) in front of appliance nodes on 127.0.0.1, as an
 * admin would put it there: TCP mode, PROXY protocol v2 to the nodes (so they see the client's
 * address), each node checked on its {@code /health/ready} and taken out while it is not ready,
 * connections that a dead node refuses sent to another. Stopped by its own process handle.
 */
public final class Haproxy implements AutoCloseable {

    /** One node's ports: where HAProxy sends each service, and its HTTP port for the check. */
    public record Backend(int smtp, int pop3s, int http) {}

    private final Process process;

    private Haproxy(Process process) {
        this.process = process;
    }

    /** Frontends on {@code smtp} and {@code pop3s} of 127.0.0.1, to every backend. */
    public static Haproxy start(Path dir, int smtp, int pop3s, List<Backend> nodes) throws IOException,
            InterruptedException {
        ClientTools.require(Files.isExecutable(Path.of("/usr/sbin/haproxy")),
                "HAProxy (Debian package haproxy) is not installed");
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 2000
                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 120s
                    timeout server 120s
                    retries 3
                    option redispatch
                    option httpchk GET /health/ready
                    default-server inter 300ms fall 1 rise 2
                """);
        for (String service : List.of("smtp", "pop3s")) {
            int port = service.equals("smtp") ? smtp : pop3s;
            cfg.append("frontend ").append(service).append("\n    bind 127.0.0.1:").append(port)
                    .append("\n    default_backend ").append(service).append("_nodes\n");
            cfg.append("backend ").append(service).append("_nodes\n    balance roundrobin\n");
            for (int i = 0; i < nodes.size(); i++) {
                Backend b = nodes.get(i);
                cfg.append("    server node").append(i).append(" 127.0.0.1:")
                        .append(service.equals("smtp") ? b.smtp() : b.pop3s())
                        .append(" send-proxy-v2 check port ").append(b.http()).append('\n');
            }
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("haproxy.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("haproxy exited with " + p.exitValue() + "; see " + dir.resolve("haproxy.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", smtp), 200);
                return new Haproxy(p);
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IOException("haproxy did not start");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
