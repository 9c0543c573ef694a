package org.postkontor.store.internal;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.store.Accounts;
import org.postkontor.store.MailAddress;
import org.postkontor.store.PasswordHasher;
import org.postkontor.store.ScramCredential;
import org.postkontor.store.StoreException;

/** {@link Accounts} backed by the users table. */
public final class JdbcAccounts implements Accounts {

    private final Database db;
    private final PasswordHasher hasher;
    private final Clock clock;

    public JdbcAccounts(Database db, PasswordHasher hasher, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<MailAddress> authenticate(String login, char[] password) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Optional<ScramCredential> scramCredential(String login) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Optional<MailAddress> mailboxOf(String login) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }
}
