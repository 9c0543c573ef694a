package org.postkontor.store.internal;

import java.util.Objects;
import org.postkontor.store.Directory;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Resolution;
import org.postkontor.store.StoreException;

/** {@link Directory} read from the H2 index. */
public final class JdbcDirectory implements Directory {

    private final Database db;

    public JdbcDirectory(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public boolean isHosted(String domain) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Resolution resolve(MailAddress recipient) throws StoreException {
        throw new UnsupportedOperationException("not yet");
    }
}
