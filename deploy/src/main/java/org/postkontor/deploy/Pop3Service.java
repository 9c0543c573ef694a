package org.postkontor.deploy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.postkontor.pop3.Pop3Server;

/** The POP3 server (STLS listener {@code pop3}, implicit-TLS listener {@code pop3s}) as a {@link MailService}. */
final class Pop3Service implements MailService {
    private final Pop3Server server;
    private final InetAddress bind;

    Pop3Service(Pop3Server server) throws UnknownHostException {
        this.server = server;
        this.bind = InetAddress.getByName(server.config().bindAddress());
    }

    @Override
    public Map<String, InetSocketAddress> addresses() {
        Map<String, InetSocketAddress> m = new LinkedHashMap<>();
        if (server.plainPort() > 0) {
            m.put("pop3", new InetSocketAddress(bind, server.plainPort()));
        }
        if (server.tlsPort() > 0) {
            m.put("pop3s", new InetSocketAddress(bind, server.tlsPort()));
        }
        return m;
    }

    @Override
    public boolean listening(String listener) {
        return server.isRunning() && (listener.equals("pop3") ? server.plainPort() > 0 : server.tlsPort() > 0);
    }

    @Override
    public void stop(Duration grace) {
        server.stop(grace);
    }
}
