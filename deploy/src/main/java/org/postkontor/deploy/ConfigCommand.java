package org.postkontor.deploy;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.config.ConfigException;
import org.postkontor.deploy.config.ConfigOption;
import org.postkontor.deploy.config.ExampleFile;
import org.postkontor.deploy.tls.PemCredentials;
import org.postkontor.deploy.tls.TlsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code postkontor config check|example}. */
@Command(name = "config", description = "Check the configuration, or print every key.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Example.class}, mixinStandardHelpOptions = true)
public final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Exit codes: 0 valid, 2 invalid (each problem on its own line on stderr). */
    @Command(name = "check", description = "Validate the config file and POSTKONTOR_* variables without starting.")
    public static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                ApplianceConfig c = config.load();
                if (c.tls().cert().isPresent()) {
                    try {
                        PemCredentials pem = PemCredentials.read(c.tls().cert().get(), c.tls().key().orElseThrow());
                        out.println("tls.cert: " + pem.leaf().getSubjectX500Principal().getName() + ", valid until "
                                + pem.leaf().getNotAfter().toInstant() + ", chain of " + pem.chain().size());
                    } catch (TlsException e) {
                        throw new ConfigException("tls.cert / tls.key: " + e.getMessage());
                    }
                }
                out.println("configuration OK (" + c.source().map(p -> "file " + p).orElse("no file: built-in defaults")
                        + ", plus POSTKONTOR_* variables)");
                out.println(Summary.configLines(c));
                out.flush();
                return 0;
            } catch (ConfigException e) {
                err.println("configuration invalid" + config.location().map(p -> " (file " + p + ")").orElse("") + ":");
                for (String p : e.problems()) {
                    err.println("  " + p);
                }
                err.flush();
                return 2;
            }
        }
    }

    @Command(name = "example", description = "Print every key with its default and meaning (the example file).")
    public static final class Example implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(ExampleFile.render());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
