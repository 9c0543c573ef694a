package org.postkontor.admin.testing;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The admin CLI's code run in the test JVM (same parsing, connection choice, output and exit
 * codes as {@link CliProcess}, without the cost of a JVM start): for the many small cases.
 */
public final class InProcessCli {

    private InProcessCli() {}

    public static CliProcess.Result run(Path dataDir, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        byte[] in = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(TestCli.command(new ByteArrayInputStream(in)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CliProcess.Result(exit, out.toString(), err.toString());
    }
}
