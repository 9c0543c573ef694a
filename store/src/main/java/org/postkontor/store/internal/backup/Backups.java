package org.postkontor.store.internal.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.postkontor.store.BackupManifest;
import org.postkontor.store.BackupSummary;
import org.postkontor.store.StoreException;
import org.postkontor.store.internal.accounts.JournaledAccountsDatabase;
import org.postkontor.store.internal.badmail.FileBadmailStore;
import org.postkontor.store.internal.dkim.FileDkimKeys;
import org.postkontor.store.internal.outbound.FileOutboundQueue;
import org.postkontor.store.internal.files.FileCopies;
import org.postkontor.store.internal.mail.MailStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online backups of the embedded store, laid out as a data directory: {@code index/} (the accounts
 * snapshot, taken between two admin writes, and the DKIM key files), {@code spool/} (every body the mail index lists once
 * the accounts are copied, and the removal log as it is after that, so an entry removed meanwhile
 * stays removed; then the outbound queue's files and its state log), {@code badmail/} (every item listed), then the manifest, last. Mail keeps flowing
 * all the while: body files never change and their deletions wait until the copy is done. One
 * backup at a time. Thread-safe.
 */
public final class Backups {

    private static final Logger log = LoggerFactory.getLogger("postkontor.store");

    private final JournaledAccountsDatabase accounts;
    private final MailStore mail;
    private final FileBadmailStore badmail;
    private final FileOutboundQueue outbound;
    private final FileDkimKeys dkim;
    private final Object running = new Object();

    public Backups(JournaledAccountsDatabase accounts, MailStore mail, FileBadmailStore badmail, FileOutboundQueue outbound,
                   FileDkimKeys dkim) {
        this.accounts = accounts;
        this.mail = mail;
        this.badmail = badmail;
        this.outbound = outbound;
        this.dkim = dkim;
    }

    public BackupSummary write(Path target, Path previous) throws StoreException {
        synchronized (running) {
            Instant started = Instant.now();
            long t0 = System.nanoTime();
            try {
                if (Files.exists(target)) {
                    throw new StoreException("the backup target " + target + " exists already");
                }
                Files.createDirectories(target);
                Path index = target.resolve("index");
                Files.createDirectories(index);
                Path snapshot = index.resolve("accounts.snapshot");
                Files.write(snapshot, accounts.snapshot());
                FileCopies.run(java.util.List.of(), index); // fsyncs the new directories
                try (var ch = java.nio.channels.FileChannel.open(snapshot, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                int keys = dkim.backup(index);
                FileCopies.Result spool = mail.backup(target.resolve("spool"),
                        previous == null ? null : previous.resolve("spool"));
                int queued = outbound.backup(target.resolve("spool").resolve(FileOutboundQueue.DIR));
                int items = badmail.backup(target.resolve("badmail"));
                Instant finished = Instant.now();
                new BackupManifest(BackupManifest.FORMAT, started, finished, spool.copied() + spool.linked(), items)
                        .write(target);
                BackupSummary summary = new BackupSummary(target, started, Duration.ofNanos(System.nanoTime() - t0),
                        spool.copied() + spool.linked(), spool.linked(), spool.bytes(), items);
                log.info("backup written to {}: {} message files ({} linked from {}), {} bytes, {} queued for"
                        + " delivery, {} badmail items, {} DKIM keys, in {} ms", target, summary.bodies(), summary.linked(),
                        previous, summary.bytes(), queued, items, keys, summary.took().toMillis());
                return summary;
            } catch (IOException e) {
                throw new StoreException("cannot write the backup to " + target + ": " + e.getMessage(), e);
            }
        }
    }
}
