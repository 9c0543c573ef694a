package org.postkontor.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.X509TrustManager;
import org.postkontor.deliver.DeliveryMetrics.Result;
import org.postkontor.store.Directory;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.OutboundQueue.Outcome;
import org.postkontor.store.OutboundQueue.QueuedMessage;
import org.postkontor.store.OutboundQueue.Recipient;
import org.postkontor.store.Spool;
import org.postkontor.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbound queue. One scheduler thread looks at the queue every
 * {@code pollInterval}: recipients past {@code queue.lifetime} fail, senders of messages waiting
 * past the delay warning are told once, and the due recipients are grouped by destination (their
 * domain, or the relay). Each destination gets up to {@code perDomain} lanes (virtual threads, at
 * most {@code maxConnections} in all); a lane resolves the route, connects to the first host that
 * answers and sends its messages one after the other on that connection. Each recipient's outcome
 * is recorded durably: 2xx delivered, 5xx failed (a bounce to the local sender first), anything
 * else deferred by a backoff that doubles from {@code firstRetry} up to {@code maxRetry}.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()} (lanes in flight finish their message
 * within the grace; what is cut off is retried after the next start). Thread-safe.
 */
public final class OutboundDelivery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("postkontor.delivery");

    private final OutboundQueue queue;
    private final DeliveryConfig config;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final X509TrustManager trust;
    private final Routes routes;
    private final MtaSts sts;
    private final Bounces bounces;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Object wake = new Object();
    private final Thread scheduler;
    private volatile BooleanSupplier leads = () -> true;
    private volatile boolean running;

    /**
     * @param trust the roots a certificate must chain to where TLS is verified (MTA-STS, the relay)
     */
    public OutboundDelivery(OutboundQueue queue, Directory directory, Spool spool, DeliveryConfig config,
                            DeliveryMetrics metrics, Clock clock, X509TrustManager trust) {
        this.queue = queue;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.trust = trust;
        Dns dns = new Dns(config.dnsServers(), Duration.ofSeconds(5));
        this.sts = new MtaSts(dns, trust, Duration.ofSeconds(20), clock);
        this.routes = new Routes(dns, sts, config);
        this.bounces = new Bounces(directory, spool, config.hostname(), config.lifetime(), clock);
        this.scheduler = Thread.ofPlatform().name("outbound-delivery").daemon().unstarted(this::loop);
    }

    /**
     * Delivers only while {@code leads} says so (asked before each look at the queue): on a store
     * several nodes share, the queue is delivered by the one node that leads ({@code Store.leads}).
     * Call before {@link #start()}.
     */
    public void onlyWhile(BooleanSupplier leads) {
        this.leads = leads;
    }

    public void start() {
        running = true;
        scheduler.start();
        log.info("outbound delivery started: {}", config.relay().map(r -> "through the relay " + r.host() + ":"
                + r.port()).orElse("by MX, port " + config.port()));
    }

    /** Looks at the queue now (a message was queued, or an admin asked for a retry). */
    public void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            try {
                pass();
            } catch (StoreException | RuntimeException e) {
                log.warn("event=delivery_pass_failed error=\"{}\"", e.toString());
            }
            synchronized (wake) {
                try {
                    wake.wait(config.pollInterval().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One look at the queue: expiries, delay warnings, and lanes for the due recipients. */
    void pass() throws StoreException {
        if (!leads.getAsBoolean()) {
            return;
        }
        Instant now = clock.instant();
        Map<String, List<Job>> due = new LinkedHashMap<>();
        for (QueuedMessage m : queue.list()) {
            if (expire(m, now) || m.pending().isEmpty()) {
                continue;
            }
            warnIfDelayed(m, now);
            Map<String, List<String>> byDest = new LinkedHashMap<>();
            for (Recipient r : m.pending()) {
                if (!r.nextAttempt().isAfter(now)) {
                    byDest.computeIfAbsent(routes.destination(domain(r.address())), k -> new ArrayList<>())
                            .add(r.address());
                }
            }
            byDest.forEach((dest, rcpts) -> {
                if (!inFlight.contains(m.id() + " " + dest)) {
                    due.computeIfAbsent(dest, k -> new ArrayList<>()).add(new Job(m.id(), dest, rcpts));
                }
            });
        }
        for (Map.Entry<String, List<Job>> e : due.entrySet()) {
            AtomicInteger open = lanes.computeIfAbsent(e.getKey(), k -> new AtomicInteger());
            List<Job> jobs = e.getValue();
            int room = Math.min(config.perDomain() - open.get(), jobs.size());
            for (int lane = 0; lane < room && connections.get() < config.maxConnections(); lane++) {
                List<Job> mine = new ArrayList<>();
                for (int i = lane; i < jobs.size(); i += room) {
                    mine.add(jobs.get(i));
                }
                mine.forEach(j -> inFlight.add(j.key()));
                open.incrementAndGet();
                connections.incrementAndGet();
                Thread.ofVirtual().name("outbound-" + e.getKey()).start(() -> {
                    try {
                        runLane(e.getKey(), mine);
                    } finally {
                        mine.forEach(j -> inFlight.remove(j.key()));
                        open.decrementAndGet();
                        connections.decrementAndGet();
                    }
                });
            }
        }
    }

    /** Recipients of one message for one destination. */
    private record Job(String id, String destination, List<String> recipients) {
        String key() {
            return id + " " + destination;
        }
    }

    private void runLane(String destination, List<Job> jobs) {
        Routes.Route route = routes.of(destination);
        if (route instanceof Routes.Fail f) {
            jobs.forEach(j -> conclude(j, allWith(j, f.reply()), null));
            return;
        }
        if (route instanceof Routes.Later l) {
            jobs.forEach(j -> conclude(j, allWith(j, l.reply()), null));
            return;
        }
        Routes.Hosts hosts = (Routes.Hosts) route;
        SmtpSession session = null;
        String peer = null;
        SmtpReply lastFailure = SmtpReply.local("4.4.1", "no host of " + destination + " answered");
        try {
            for (Job job : jobs) {
                if (!running) {
                    return;
                }
                if (session == null || !session.usable()) {
                    session = null;
                    for (String host : hosts.hosts()) {
                        List<InetAddress> addresses = routes.addresses(host);
                        if (addresses.isEmpty()) {
                            lastFailure = SmtpReply.local("4.4.4", "no address for " + host);
                        }
                        for (InetAddress a : addresses) {
                            try {
                                session = SmtpSession.open(a, hosts.port(), host, hosts.tls(), config, trust,
                                        hosts.login());
                                peer = host;
                                metrics.connection(session.encrypted() ? "tls" : "none");
                                break;
                            } catch (SmtpSession.Failed f) {
                                lastFailure = f.reply;
                                log.info("event=connect_failed destination={} host={} address={} reply=\"{}\"",
                                        destination, host, a.getHostAddress(), f.reply.line());
                            }
                        }
                        if (session != null) {
                            break;
                        }
                    }
                }
                if (session == null) {
                    conclude(job, allWith(job, lastFailure), null);
                    continue;
                }
                long start = System.nanoTime();
                Map<String, SmtpReply> replies = send(session, job);
                metrics.attempt(Duration.ofNanos(System.nanoTime() - start));
                conclude(job, replies, peer);
            }
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }

    private Map<String, SmtpReply> send(SmtpSession session, Job job) {
        QueuedMessage m = current(job.id());
        if (m == null) {
            return Map.of();
        }
        try (InputStream in = queue.open(job.id())) {
            return session.send(m.sender(), job.recipients(), in, m.octets(), true);
        } catch (SmtpSession.Failed f) {
            return allWith(job, f.reply);
        } catch (StoreException | IOException e) {
            return allWith(job, SmtpReply.local("4.3.0", "cannot read the queued message"));
        }
    }

    /** The message as the queue has it now, or null (gone, or the queue cannot say). */
    private QueuedMessage current(String id) {
        try {
            return queue.get(id).orElse(null);
        } catch (StoreException e) {
            log.warn("event=queue_read_failed queue={} error=\"{}\"", id, e.toString());
            return null;
        }
    }

    private static Map<String, SmtpReply> allWith(Job job, SmtpReply reply) {
        Map<String, SmtpReply> out = new LinkedHashMap<>();
        job.recipients().forEach(r -> out.put(r, reply));
        return out;
    }

    /** Records each recipient's outcome; failures are bounced first (at least once). */
    private void conclude(Job job, Map<String, SmtpReply> replies, String peer) {
        QueuedMessage m = current(job.id());
        if (m == null || replies.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        List<Outcome> outcomes = new ArrayList<>();
        List<Bounces.Failure> failures = new ArrayList<>();
        for (Map.Entry<String, SmtpReply> e : replies.entrySet()) {
            SmtpReply r = e.getValue();
            Recipient before = m.recipients().stream().filter(x -> x.address().equals(e.getKey())).findFirst()
                    .orElse(null);
            int attempts = before == null ? 1 : before.attempts() + 1;
            if (r.ok()) {
                outcomes.add(Outcome.delivered(e.getKey(), r.line()));
                metrics.recipient(Result.DELIVERED);
            } else if (r.permanent()) {
                outcomes.add(Outcome.failed(e.getKey(), r.line()));
                failures.add(new Bounces.Failure(e.getKey(), r, peer));
                metrics.recipient(Result.FAILED);
            } else if (!now.isBefore(m.arrived().plus(config.lifetime()))) {
                SmtpReply expired = new SmtpReply(r.code(), "4.4.7 gave up after " + config.lifetime().toDays()
                        + " days; last: " + r.line());
                outcomes.add(Outcome.failed(e.getKey(), expired.line()));
                failures.add(new Bounces.Failure(e.getKey(), expired, peer));
                metrics.recipient(Result.EXPIRED);
            } else {
                outcomes.add(Outcome.deferred(e.getKey(), now.plus(backoff(attempts)), r.line()));
                metrics.recipient(Result.DEFERRED);
            }
            log.info("event=delivery queue={} to=<{}> relay={} result={} reply=\"{}\"", m.id(), e.getKey(),
                    peer == null ? "-" : peer, r.ok() ? "delivered" : r.permanent() ? "failed" : "deferred", r.line());
        }
        try {
            if (!failures.isEmpty()) {
                bounce(m, failures, false);
            }
            queue.record(m.id(), outcomes);
        } catch (StoreException e) {
            log.warn("event=record_failed queue={} error=\"{}\"", m.id(), e.toString());
        }
    }

    /** The delay before attempt {@code n+1} after {@code n} attempts: first, doubled each time, capped. */
    Duration backoff(int attempts) {
        Duration d = config.firstRetry();
        for (int i = 1; i < attempts && d.compareTo(config.maxRetry()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(config.maxRetry()) > 0 ? config.maxRetry() : d;
    }

    private boolean expire(QueuedMessage m, Instant now) throws StoreException {
        if (now.isBefore(m.arrived().plus(config.lifetime())) || m.pending().isEmpty()) {
            return false;
        }
        List<Outcome> outcomes = new ArrayList<>();
        List<Bounces.Failure> failures = new ArrayList<>();
        for (Recipient r : m.pending()) {
            if (inFlight.contains(m.id() + " " + routes.destination(domain(r.address())))) {
                continue;
            }
            SmtpReply why = new SmtpReply(451, "4.4.7 gave up after " + config.lifetime().toDays() + " days"
                    + (r.lastReply().isEmpty() ? "" : "; last: " + r.lastReply()));
            outcomes.add(Outcome.failed(r.address(), why.line()));
            failures.add(new Bounces.Failure(r.address(), why, null));
            metrics.recipient(Result.EXPIRED);
        }
        if (!outcomes.isEmpty()) {
            bounce(m, failures, false);
            queue.record(m.id(), outcomes);
        }
        return true;
    }

    private void warnIfDelayed(QueuedMessage m, Instant now) throws StoreException {
        if (m.warned() || m.sender().isEmpty() || now.isBefore(m.arrived().plus(config.delayWarning()))) {
            return;
        }
        List<Bounces.Failure> waiting = m.pending().stream().map(r -> new Bounces.Failure(r.address(),
                r.lastReply().isEmpty() ? SmtpReply.local("4.4.1", "not delivered yet")
                        : SmtpReply.of(code(r.lastReply()), r.lastReply()), null)).toList();
        if (bounce(m, waiting, true)) {
            log.info("event=delay_warning queue={}", m.id());
        }
        queue.markWarned(m.id());
    }

    private boolean bounce(QueuedMessage m, List<Bounces.Failure> failures, boolean delayed) throws StoreException {
        try (InputStream original = queue.open(m.id())) {
            boolean sent = bounces.send(m, failures, delayed, original);
            if (sent) {
                metrics.bounce(delayed);
            }
            return sent;
        } catch (IOException e) {
            throw new StoreException("cannot read the queued message " + m.id(), e);
        }
    }

    private static int code(String line) {
        try {
            return Integer.parseInt(line.substring(0, 3));
        } catch (RuntimeException e) {
            return 451;
        }
    }

    private static String domain(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** Stops looking at the queue; lanes finish the message they are sending within {@code grace}. */
    public void stop(Duration grace) {
        running = false;
        scheduler.interrupt();
        long deadline = System.nanoTime() + grace.toNanos();
        while (connections.get() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sts.close();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
