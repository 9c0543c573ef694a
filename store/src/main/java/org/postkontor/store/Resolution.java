package org.postkontor.store;

import java.util.List;

/** Where mail for one envelope recipient goes, as the {@link Directory} decides at RCPT time. */
public sealed interface Resolution {

    /** Deliver into these mailboxes (one user, or an alias's users; never empty, no duplicates). */
    record Local(List<MailAddress> mailboxes) implements Resolution {
        public Local {
            mailboxes = List.copyOf(mailboxes);
            if (mailboxes.isEmpty()) {
                throw new IllegalArgumentException("no mailbox");
            }
        }
    }

    /** Hosted domain, no such user or alias, and the domain's policy is reject. */
    record UnknownUser() implements Resolution {}

    /** Not a domain this appliance hosts: relaying is refused. */
    record NotHosted() implements Resolution {}

    /** Accept, but into the badmail queue (domain policy, or an alias whose target is gone). */
    record ToBadmail(String reason) implements Resolution {}
}
