package org.postkontor.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code postkontor config check} through picocli, as the script runs it. */
class ConfigCheckCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = PostkontorCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void validFileExitsZeroAndSaysWhatItRead() throws Exception {
        Path f = Files.writeString(dir.resolve("ok.properties"), "smtp.port=2525\ndata.dir=" + dir.resolve("d") + "\n");
        Run r = run("config", "check", "--config", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("configuration OK"), r.out());
        assertTrue(r.out().contains("[::]:2525, IPv6 and IPv4") || r.out().contains("0.0.0.0:2525, IPv4 only"),
                "SMTP on every address of both families, or of IPv4 on a host without IPv6:\n" + r.out());
    }

    @Test
    void invalidFileExitsTwoAndNamesEveryKey() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.properties"), "smtp.port=99999\nlog.format=xml\n");
        Run r = run("config", "check", "-c", f.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("smtp.port") && r.err().contains("log.format"), r.err());
    }

    @Test
    void exampleCommandPrintsEveryKey() {
        Run r = run("config", "example");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("#smtp.port=10025") && r.out().contains("#tls.profile=modern"), r.out());
    }

    @Test
    void versionAndSubcommandsAreThere() {
        Run v = run("version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("postkontor "), v.out());
        Run help = run("--help");
        for (String sub : new String[] {"run", "config", "version", "admin"}) {
            assertTrue(help.out().contains(sub), help.out());
        }
    }

    @Test
    void certificateFilesAreReadAndAKeyThatDoesNotMatchIsNamed() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path[] good = org.postkontor.store.testing.TestCertificates.selfSigned("mail.example.test").writePem(a);
        Path[] other = org.postkontor.store.testing.TestCertificates.selfSigned("other.example.test").writePem(b);
        Path ok = Files.writeString(dir.resolve("ok.properties"), "tls.cert=" + good[0] + "\ntls.key=" + good[1] + "\n");
        Run r = run("config", "check", "-c", ok.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("tls.cert: CN=mail.example.test"), r.out());
        Path bad = Files.writeString(dir.resolve("bad.properties"), "tls.cert=" + good[0] + "\ntls.key=" + other[1] + "\n");
        r = run("config", "check", "-c", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("tls.cert / tls.key") && r.err().contains("does not belong"), r.err());
    }
}
