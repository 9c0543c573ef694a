package org.postkontor.smtp.internal.subetha;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.subethamail.smtp.server.Session;

/**
 * Runs each SMTP session on a thread of its own from {@code threads} (virtual ones), where the
 * session first rebuilds its streams ({@link Session#setSocket} on its own socket) and then runs.
 *
 * <p>SubEthaSMTP 7.2.2 builds a session's streams in its constructor, on the library's accepting
 * thread, a platform thread; the JDK then gives the reply {@code PrintWriter}'s
 * {@code BufferedWriter} its full 8,192 chars at once (16 KiB, held for as long as the connection
 * idles). Built on a virtual thread the same writer starts at 512 chars and grows only when a
 * reply needs it: 15 KiB less per connection, 30 MiB for 2,000 idle ones. Nothing has been read
 * or written when the session starts, so the rebuilt streams lose nothing. AdapterContractTest
 * checks that setSocket rebuilds them.
 */
public final class SessionExecutor extends AbstractExecutorService {

    private final ExecutorService threads;

    public SessionExecutor(ThreadFactory threads) {
        this.threads = Executors.newThreadPerTaskExecutor(threads);
    }

    @Override
    public void execute(Runnable task) {
        threads.execute(task instanceof Session s ? () -> {
            reopen(s);
            s.run();
        } : task);
    }

    private static void reopen(Session s) {
        try {
            s.setSocket(s.getSocket());
        } catch (IOException e) {
            // the connection is already gone (the timeout could not be set): the session's first
            // read ends it, as it would have without this
        }
    }

    @Override public void shutdown() { threads.shutdown(); }
    @Override public List<Runnable> shutdownNow() { return threads.shutdownNow(); }
    @Override public boolean isShutdown() { return threads.isShutdown(); }
    @Override public boolean isTerminated() { return threads.isTerminated(); }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return threads.awaitTermination(timeout, unit);
    }
}
