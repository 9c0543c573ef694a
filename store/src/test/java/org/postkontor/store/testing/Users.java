package org.postkontor.store.testing;

import org.postkontor.store.Administration;
import org.postkontor.store.MailAddress;
import org.postkontor.store.Store;
import org.postkontor.store.StoreException;

/**
 * Test support: adds users (and their domains) through the store's administration, with the
 * password {@code secret}, so spool and maildrop tests read in one line.
 */
public final class Users {

    private Users() {}

    public static MailAddress add(Store store, String address) throws StoreException {
        return add(store, address, 0, 0, true);
    }

    public static MailAddress add(Store store, String address, long quotaBytes, long quotaMessages, boolean enabled)
            throws StoreException {
        MailAddress a = MailAddress.parse(address);
        Administration admin = store.admin();
        if (admin.domains().stream().noneMatch(d -> d.name().equals(a.domain()))) {
            admin.addDomain(a.domain());
        }
        admin.addUser(a, "secret".toCharArray(), new Administration.Quota(quotaBytes, quotaMessages));
        if (!enabled) {
            admin.setEnabled(a, false);
        }
        return a;
    }

    /** Removes the user and keeps its mail (as "keep mail" does). */
    public static void remove(Store store, MailAddress user) throws StoreException {
        store.admin().removeUser(user, false);
    }
}
