package org.postkontor.badmail;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.postkontor.store.BadmailStore;
import org.postkontor.store.StoreException;

/** Passes every call to a real {@link BadmailStore}; tests override one method to inject a fault or a pause. */
class ForwardingBadmailStore implements BadmailStore {
    private final BadmailStore delegate;

    ForwardingBadmailStore(BadmailStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public BadmailItem put(BadmailEnvelope envelope, BadmailReason reason, InputStream original) throws StoreException {
        return delegate.put(envelope, reason, original);
    }

    @Override
    public List<BadmailItem> list(BadmailQuery query) throws StoreException {
        return delegate.list(query);
    }

    @Override
    public Optional<BadmailItem> get(String id) throws StoreException {
        return delegate.get(id);
    }

    @Override
    public InputStream open(String id) throws StoreException {
        return delegate.open(id);
    }

    @Override
    public boolean remove(String id) throws StoreException {
        return delegate.remove(id);
    }

    @Override
    public BadmailTotals totals() throws StoreException {
        return delegate.totals();
    }
}
