package org.postkontor.submit.testing;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postkontor.smtp.Listener;
import org.postkontor.smtp.SmtpConfig;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.smtp.SmtpServer;
import org.postkontor.store.LoginThrottle;
import org.postkontor.store.MailAddress;
import org.postkontor.store.testing.TempStore;
import org.postkontor.store.testing.TestCertificates;
import org.postkontor.submit.Logins;
import org.postkontor.submit.Submission;
import org.postkontor.submit.SubmissionConfig;
import org.postkontor.submit.SubmissionMetrics;

/**
 * A real store with users and the two submission listeners on 127.0.0.1 (port 0): STARTTLS
 * required (the 587 kind) and implicit TLS (the 465 kind), sharing one login throttle, with a
 * self-signed certificate. Users: alice@example.test and bob@example.test (password
 * {@value #PASSWORD}), the alias team@example.test → alice.
 */
public final class SubmissionStack implements AutoCloseable {

    public static final String PASSWORD = "Correct-Horse-9";

    public final TempStore store;
    public final MailAddress alice;
    public final MailAddress bob;
    public final LoginThrottle throttle;
    public final SmtpServer starttls;
    public final SmtpServer implicit;
    private final List<SmtpServer> servers = new ArrayList<>();

    public SubmissionStack(SubmissionConfig config, SubmissionMetrics metrics) throws Exception {
        this(config, metrics, false);
    }

    /** @param proxyProtocol both listeners expect a PROXY protocol header first (behind HAProxy) */
    public SubmissionStack(SubmissionConfig config, SubmissionMetrics metrics, boolean proxyProtocol) throws Exception {
        store = TempStore.create();
        alice = store.addUser("alice@example.test", PASSWORD);
        bob = store.addUser("bob@example.test", PASSWORD);
        store.store().admin().addAlias(MailAddress.parse("team@example.test"), List.of(alice));
        throttle = new LoginThrottle(Clock.systemUTC(), Duration.ofMinutes(15), 12, 5);
        Clock clock = Clock.systemUTC();
        Submission role = new Submission(store.store(), config, metrics, clock, '+');
        Logins logins = new Logins(store.store().accounts(), throttle, config, metrics, d -> { });
        var tls = TestCertificates.selfSigned("mail.example.test").serverContext();
        SmtpConfig smtp = SmtpConfig.builder().hostname("mail.example.test").proxyProtocol(proxyProtocol).build();
        starttls = new SmtpServer(smtp, new Listener("submission", Listener.Tls.STARTTLS_REQUIRED, logins, role),
                SmtpMetrics.NOOP, clock, tls);
        implicit = new SmtpServer(smtp, new Listener("submissions", Listener.Tls.IMPLICIT, logins, role),
                SmtpMetrics.NOOP, clock, tls);
        servers.add(starttls);
        servers.add(implicit);
        for (SmtpServer s : servers) {
            s.start();
        }
    }

    public static SubmissionConfig config() {
        return new SubmissionConfig("mail.example.test", 500, 2000, Duration.ZERO);
    }

    @Override
    public void close() {
        for (SmtpServer s : servers) {
            s.stop(Duration.ofSeconds(1));
        }
        store.close();
    }
}
