package org.postkontor.store.bench;

import java.io.*;
import java.nio.file.*;
import java.sql.*;
import java.util.*;
import java.util.concurrent.*;

/**
 * Probe, not a test: does a SIGKILL right after an H2 commit lose it? A child JVM inserts and
 * commits rows in a loop, printing each id after its commit returned (mode {@code nosync}: commit
 * only; {@code sync}: commit then {@code CHECKPOINT SYNC}, as {@code Database} does); the parent
 * kills it after 0.3-1.5 s, reopens the database and counts acknowledged rows that are gone. Five
 * kills per mode. Command in RELIABILITY.md.
 */
public final class H2DurabilityProbe {
    private H2DurabilityProbe() {}

    public static void main(String[] a) throws Exception {
        if (a.length > 0 && a[0].equals("child")) {
            String url = "jdbc:h2:file:" + a[1] + ";DB_CLOSE_ON_EXIT=FALSE;AUTO_SERVER=FALSE";
            try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                c.createStatement().execute("CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY)");
                c.setAutoCommit(false);
                long start = Long.parseLong(a[3]);
                PreparedStatement ps = c.prepareStatement("INSERT INTO t (id) VALUES (?)");
                for (long i = start; ; i++) {
                    ps.setLong(1, i);
                    ps.executeUpdate();
                    c.commit();
                    if (a[2].equals("sync")) c.createStatement().execute("CHECKPOINT SYNC");
                    System.out.println(i);
                    System.out.flush();
                    Thread.sleep(2);
                }
            }
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        for (String mode : new String[] {"nosync", "sync"}) {
            Path dir = Files.createTempDirectory("h2kill");
            long next = 0; int lostTotal = 0; int rounds = 5;
            for (int r = 0; r < rounds; r++) {
                Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), H2DurabilityProbe.class.getName(), "child",
                        dir.resolve("db").toString(), mode, Long.toString(next)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream()));
                java.util.concurrent.atomic.AtomicLong lastSeen = new java.util.concurrent.atomic.AtomicLong(-1);
                Thread rd = new Thread(() -> {
                    try { String l; while ((l = br.readLine()) != null) lastSeen.set(Long.parseLong(l.trim())); } catch (Exception e) { }
                });
                rd.start();
                while (lastSeen.get() < 0) Thread.sleep(5);
                Thread.sleep(300 + new Random().nextInt(1200));
                p.destroyForcibly(); p.waitFor(); rd.join();
                long last = lastSeen.get();
                try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("db"), "sa", "")) {
                    ResultSet rs = c.createStatement().executeQuery("SELECT COALESCE(MAX(id), -1) FROM t");
                    rs.next();
                    long max = rs.getLong(1);
                    long lost = Math.max(0, last - max);
                    lostTotal += lost;
                    System.out.printf("%s round %d: last acknowledged %d, present up to %d, lost %d%n", mode, r, last, max, lost);
                    next = Math.max(last, max) + 1;
                }
            }
            System.out.printf("%s: %d acknowledged commits lost in %d kills%n", mode, lostTotal, rounds);
        }
    }
}
