package org.postkontor.deploy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postkontor.badmail.BadmailMetrics.EvictionCause;
import org.postkontor.badmail.BadmailStatus;
import org.postkontor.smtp.SmtpMetrics;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreStats;
import org.postkontor.store.testing.TestCertificates;

/**
 * Every metric named in the README's Metrics section is in the scrape of a fully bound registry, and every
 * {@code postkontor_} family in the scrape is documented: the table the dashboards and alerts are
 * built from stays true.
 */
class MetricsDocumentedTest {

    private static final Pattern DOC_NAME = Pattern.compile("^\\| `(postkontor_[a-z0-9_]+)` \\|", Pattern.MULTILINE);
    private static final Pattern SCRAPE_FAMILY = Pattern.compile("^# TYPE (postkontor_[a-z0-9_]+) (\\w+)",
            Pattern.MULTILINE);

    @TempDir
    Path dir;

    private String boundScrape() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);
        try (Meters meters = new Meters()) {
            var r = meters.registry();
            StoreConfig sc = StoreConfig.under(dir);
            ApplianceGauges.register(r, sc, () -> true, "test");
            ApplianceGauges.registerStore(r, () -> new StoreStats(3, 4, 5000, 1, 1, 1, 77), () -> true, clock);
            ApplianceGauges.registerBadmail(r,
                    () -> new BadmailStatus(2, 300, Optional.of(Duration.ofMinutes(5)), 1L << 30), 1L << 30, clock);
            StoreMeters store = new StoreMeters(r);
            store.fsync(Duration.ofMillis(3));
            store.groupCommit(4);
            store.delivered(2, 1234);
            store.expunged(1);
            store.reconciled("orphan_body", 1);
            SmtpMeters smtp = new SmtpMeters(r);
            smtp.connectionOpened();
            smtp.transaction(SmtpMetrics.Result.ACCEPTED);
            smtp.acceptLatency(Duration.ofMillis(7));
            new Pop3Meters(r).login("user", "bad_credentials");
            BadmailMeters badmail = new BadmailMeters(r);
            badmail.evicted("unknown_user", EvictionCause.SIZE_CAP, 100);
            TlsMeters tls = new TlsMeters(r);
            tls.certificate(TestCertificates.selfSigned("localhost").certificate());
            tls.handshake("smtp", "TLSv1.3");
            SendingMeters sending = new SendingMeters(r);
            sending.attempt(Duration.ofMillis(20));
            SendingMeters.registerQueue(r, () -> new org.postkontor.store.OutboundQueue.Totals(2, 300,
                    Optional.of(clock.instant().minusSeconds(60))), clock);
            BackupMeters backup = new BackupMeters(r, Duration.ofDays(1));
            backup.lastSuccess(clock.instant());
            backup.succeeded(Duration.ofSeconds(3), 4096);
            return meters.scrape();
        }
    }

    private static Set<String> documented() throws Exception {
        String doc = Files.readString(Path.of("..", "README.md"));
        Set<String> names = new TreeSet<>();
        Matcher m = DOC_NAME.matcher(doc);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyDocumentedMetricIsExported() throws Exception {
        String scrape = boundScrape();
        List<String> missing = new ArrayList<>();
        for (String name : documented()) {
            if (!Pattern.compile("^" + name + "(_bucket|_count|_sum|_max)?[{ ]", Pattern.MULTILINE).matcher(scrape).find()) {
                missing.add(name);
            }
        }
        assertTrue(missing.isEmpty(), "documented in the README's Metrics section but not exported: " + missing);
    }

    @Test
    void everyExportedFamilyIsDocumented() throws Exception {
        String scrape = boundScrape();
        Set<String> doc = documented();
        List<String> undocumented = new ArrayList<>();
        Matcher m = SCRAPE_FAMILY.matcher(scrape);
        while (m.find()) {
            String family = m.group(1);
            String base = family.replaceAll("_max$", "");
            boolean ok = doc.contains(family) || doc.contains(base) || doc.contains(family + "_total");
            if (!ok) {
                undocumented.add(family + " (" + m.group(2) + ")");
            }
        }
        assertTrue(undocumented.isEmpty(), "exported but not in the README's Metrics section: " + undocumented);
    }

    @Test
    void namesFollowPrometheusConventionsAndLabelsCarryNoAddress() throws Exception {
        String scrape = boundScrape();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("postkontor_")) {
                assertFalse(line.contains("@"), line);
                String name = line.replaceAll("[{ ].*", "");
                assertEquals(name.toLowerCase(), name, line);
            }
        }
        assertTrue(scrape.contains("postkontor_smtp_transactions_total{result=\"accepted\"} 1.0"), scrape);
        assertTrue(scrape.contains("postkontor_pop3_logins_total{mechanism=\"user\",result=\"failure\"} 1.0"));
        assertTrue(scrape.contains("postkontor_badmail_evictions_total{reason=\"size_cap\"} 1.0"));
        assertTrue(scrape.contains("postkontor_tls_handshakes_total{protocol=\"TLSv1.3\",service=\"smtp\"} 1.0"));
        assertTrue(scrape.contains("postkontor_store_messages 3.0"));
        assertTrue(scrape.contains("postkontor_badmail_oldest_age_seconds 300.0"));
        assertTrue(scrape.contains("postkontor_smtp_accept_duration_seconds_bucket{le=\"0.01\"} 1"), scrape);
        assertTrue(scrape.contains("jvm_memory_used_bytes"));
        assertTrue(scrape.contains("process_cpu_usage"));
    }
}
