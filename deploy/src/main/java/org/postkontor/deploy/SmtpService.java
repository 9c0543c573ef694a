package org.postkontor.deploy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.postkontor.smtp.SmtpServer;

/** An SMTP listener (the MX, or a submission listener) as a {@link MailService}. */
final class SmtpService implements MailService {
    private final String name;
    private final SmtpServer server;

    SmtpService(String name, SmtpServer server) {
        this.name = name;
        this.server = server;
    }

    @Override
    public Map<String, InetSocketAddress> addresses() {
        return Map.of(name, new InetSocketAddress(server.config().bindAddress(), server.port()));
    }

    @Override
    public boolean listening(String listener) {
        return server.isRunning();
    }

    @Override
    public void stop(Duration grace) {
        server.stop(grace);
    }
}
