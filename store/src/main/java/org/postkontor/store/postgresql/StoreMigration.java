package org.postkontor.store.postgresql;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.Account;
import org.postkontor.store.Administration;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.DkimKey;
import org.postkontor.store.Maildrop;
import org.postkontor.store.MaildropEntry;
import org.postkontor.store.OutboundQueue;
import org.postkontor.store.StoreException;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.internal.accounts.AccountsCopy;
import org.postkontor.store.internal.mail.DeliveredTo;

/**
 * Moves an embedded store's data into a postgresql one: the accounts as they are (stored password
 * hashes and SCRAM keys included, so nobody needs a new password), every mailbox's messages with
 * their UIDLs and arrival times (so POP3 clients download nothing twice), badmail with its ids,
 * the outbound queue with each recipient's state, and the DKIM keys. Both stores must be open in
 * this process only (the appliance stopped). Resumable: what the target has already (a row with the
 * same key, an entry with the same UIDL, an item or queued message with the same id) is skipped, so
 * running it again after an interruption finishes the job. The source is never changed.
 */
public final class StoreMigration {

    /** What the migration reports as it goes. */
    public interface Listener {
        /** Before the mail: how many messages and octets it will look at. */
        void mail(long messages, long octets);

        /** One message copied, or skipped because the target has it already. */
        void message(long octets, boolean skipped);
    }

    /**
     * What was done.
     *
     * @param accounts rows inserted per accounts table
     * @param messages mailbox entries copied
     * @param skipped  mailbox entries the target had already
     * @param badmail  badmail items copied
     * @param queued   outbound messages copied
     * @param dkimKeys DKIM keys written
     */
    public record Result(Map<String, Integer> accounts, long messages, long skipped, int badmail, int queued,
                         int dkimKeys) {}

    private StoreMigration() {}

    public static Result run(EmbeddedStore source, PostgresStore target, Listener listener) throws StoreException {
        Map<String, Integer> accounts = AccountsCopy.run(source.accountsDatabase(), target.accountsDatabase());

        List<Account> users = source.admin().users(Optional.empty());
        long total = 0;
        long octets = 0;
        for (Account a : users) {
            total += a.messages();
            octets += a.octets();
        }
        listener.mail(total, octets);
        long copied = 0;
        long skipped = 0;
        for (Account a : users) {
            String box = a.address().toString();
            int prefix = DeliveredTo.line(box).length;
            Set<String> there = target.mail().uidls(box);
            try (Maildrop m = source.maildrops().open(a.address())) {
                for (MaildropEntry e : m.listing()) {
                    if (there.contains(e.uidl())) {
                        skipped++;
                        listener.message(e.octets(), true);
                        continue;
                    }
                    try (InputStream in = m.open(e)) {
                        in.skipNBytes(prefix);
                        if (target.mail().importEntry(box, e.uidl(), e.arrived(), in)) {
                            copied++;
                            listener.message(e.octets(), false);
                        } else {
                            skipped++;
                            listener.message(e.octets(), true);
                        }
                    } catch (IOException x) {
                        throw new StoreException("cannot read " + box + " message " + e.uidl() + ": " + x.getMessage(),
                                x);
                    }
                }
            }
        }

        int badmail = 0;
        for (BadmailStore.BadmailItem item : source.badmail().list(BadmailStore.BadmailQuery.ALL)) {
            try (InputStream in = source.badmail().open(item.id())) {
                if (target.badmailStore().importItem(item, in)) {
                    badmail++;
                }
            } catch (IOException x) {
                throw new StoreException("cannot read badmail item " + item.id(), x);
            }
        }

        int queued = 0;
        for (OutboundQueue.QueuedMessage q : source.outbound().list()) {
            try (InputStream in = source.outbound().open(q.id())) {
                if (target.outboundQueue().importMessage(q, in)) {
                    queued++;
                }
            } catch (IOException x) {
                throw new StoreException("cannot read queued message " + q.id(), x);
            }
        }

        int keys = 0;
        for (Administration.DomainInfo d : source.admin().domains()) {
            for (DkimKey k : source.dkimKeys().keys(d.name())) {
                target.dkimKeys().put(k);
                keys++;
            }
        }
        return new Result(accounts, copied, skipped, badmail, queued, keys);
    }
}
