package org.postkontor.admin.imports;

import java.io.IOException;
import java.io.InputStream;

/**
 * One message found by an import scan, ready to deliver.
 *
 * @param uidl   the UIDL it gets (kept from the old server where known)
 * @param octets its size in the source (for progress)
 * @param origin where it came from, for messages ({@code cur/1700000000.M1P2.host:2,S}, {@code line 120})
 */
public record ImportMessage(String uidl, long octets, String origin, Opener opener) {

    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    public InputStream open() throws IOException {
        return opener.open();
    }
}
