package org.postkontor.store.internal.accounts;

import java.sql.Connection;
import java.sql.SQLException;
import org.postkontor.store.StoreException;

/**
 * Domains, users and aliases as SQL tables (the {@code db/accounts} migrations), used through JDBC
 * only, and the {@link AccountsView} the mail paths read instead of them. Two kinds: the embedded
 * store's in-memory H2 made durable by a journal ({@link JournaledAccountsDatabase}), and the
 * shared PostgreSQL database of the postgresql backend ({@link PostgresAccountsDatabase}). Either
 * way an acknowledged {@link #write} survives a kill, and the view of the node that wrote it shows
 * it before the write returns. Thread-safe.
 */
public interface AccountsDatabase extends AutoCloseable {

    /** One unit of SQL work on a connection; the caller commits nothing. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException, StoreException;
    }

    /** Write work: names every row it inserts, updates or deletes in {@code changes}. */
    @FunctionalInterface
    interface WriteWork<T> {
        T run(Connection c, Changes changes) throws SQLException, StoreException;
    }

    /** The accounts as the mail paths read them, without SQL (see {@link AccountsView}). */
    AccountsView view();

    /** Runs read-only work. */
    <T> T read(Work<T> work) throws StoreException;

    /**
     * Runs work in one transaction and commits it durably: once it returns, the change survives a
     * kill and a power loss, and this node's {@link #view()} shows it.
     */
    <T> T write(WriteWork<T> work) throws StoreException;

    @Override
    void close();
}
