package org.postkontor.admin.imports;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A byte range of a file as a stream, and content-derived UIDLs. */
final class FileRegion {

    private FileRegion() {}

    static InputStream open(Path file, long start, long length) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(start);
        InputStream raw = Channels.newInputStream(ch);
        return new FilterInputStream(new BufferedInputStream(raw, 64 * 1024)) {
            long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                return super.skip(Math.min(n, left));
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(super.available(), left);
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }

    /**
     * A UIDL derived from the content, for messages whose old UIDL is unknown: the same bytes give
     * the same UIDL on every run, so running an import again adds nothing twice.
     */
    static String contentUidl(InputStream in) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
        }
        byte[] d = md.digest();
        return "sha256-" + HexFormat.of().formatHex(d, 0, 20);
    }
}
