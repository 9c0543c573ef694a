package org.postkontor.store.internal.accounts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.RecipientPolicy;
import org.postkontor.store.Resolution;
import org.postkontor.store.internal.mail.MailboxLimits;

/**
 * {@link Directory} on the accounts' {@link AccountsView}: no SQL, and no cache to go stale (the
 * view changes with each committed admin write, before the write returns, so the next RCPT sees
 * it). Also the accounts' view of a mailbox that the spool checks at each delivery
 * ({@link #limits}).
 *
 * <p>Order: the domain (not hosted: {@link Resolution.NotHosted}); a user of that exact address,
 * enabled or not; an alias, delivering to those of its targets that are still users (none left:
 * badmail {@code dangling_alias}); the domain's unknown-recipient policy.
 */
public final class AccountsDirectory implements Directory {

    /** Badmail reason kinds this class decides (see {@code BadmailStore.BadmailReason}). */
    public static final String UNKNOWN_USER = "unknown_user";
    public static final String DANGLING_ALIAS = "dangling_alias";

    private final AccountsView view;

    public AccountsDirectory(AccountsDatabase db) {
        this.view = Objects.requireNonNull(db, "db").view();
    }

    @Override
    public boolean isHosted(String domain) {
        if (domain == null || domain.isEmpty()) {
            return false;
        }
        return view.policy(MailAddress.normalizeDomain(domain)).isPresent();
    }

    @Override
    public Resolution resolve(MailAddress recipient) {
        Objects.requireNonNull(recipient, "recipient");
        Optional<String> policyText = view.policy(recipient.domain());
        if (policyText.isEmpty()) {
            return new Resolution.NotHosted();
        }
        String address = recipient.toString();
        if (view.user(address).isPresent()) {
            return new Resolution.Local(List.of(recipient));
        }
        List<String> targets = view.aliasTargets(address);
        if (!targets.isEmpty()) {
            Set<MailAddress> live = new LinkedHashSet<>();
            for (String t : targets) {
                if (view.user(t).isPresent()) {
                    live.add(MailAddress.parse(t));
                }
            }
            return live.isEmpty() ? new Resolution.ToBadmail(DANGLING_ALIAS) : new Resolution.Local(new ArrayList<>(live));
        }
        return switch (RecipientPolicy.parse(policyText.get())) {
            case RecipientPolicy.Reject r -> new Resolution.UnknownUser();
            case RecipientPolicy.Badmail b -> new Resolution.ToBadmail(UNKNOWN_USER);
            case RecipientPolicy.CatchAll ca -> {
                MailAddress target = catchAllTarget(ca, recipient.domain());
                yield target != null && view.user(target.toString()).isPresent()
                        ? new Resolution.Local(List.of(target))
                        : new Resolution.UnknownUser();
            }
        };
    }

    /**
     * The mailbox as a delivery sees it: a user or not, enabled, and its quota. A mailbox that is
     * no user (removed since RCPT) takes no new mail.
     */
    public MailboxLimits limits(String mailbox) {
        return view.user(mailbox)
                .map(u -> new MailboxLimits(true, u.enabled(), u.quotaBytes(), u.quotaMessages()))
                .orElse(MailboxLimits.NO_USER);
    }

    private static MailAddress catchAllTarget(RecipientPolicy.CatchAll ca, String domain) {
        try {
            return new MailAddress(ca.localPart(), domain);
        } catch (IllegalArgumentException e) {
            return null; // refused by Administration.setPolicy; only a hand-edited journal gets here
        }
    }
}
