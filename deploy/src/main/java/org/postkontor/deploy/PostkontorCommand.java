package org.postkontor.deploy;

import org.postkontor.admin.cli.AdminCommand;
import org.postkontor.deploy.config.AdminLocator;
import org.postkontor.deploy.logging.CliLogging;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code postkontor} command: {@code run}, {@code config check|example}, {@code version}, {@code restore}, {@code admin}. */
@Command(name = "postkontor", mixinStandardHelpOptions = true, versionProvider = Version.Provider.class,
        description = "Mail appliance: SMTP receive, POP3, authenticated submission and delivery to the internet.",
        subcommands = {RunCommand.class, ConfigCommand.class, VersionCommand.class, RestoreCommand.class})
public final class PostkontorCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** With no subcommand: usage. ({@code ./postkontor} with no arguments runs {@code run}.) */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** The whole command, {@code admin} included. */
    public static CommandLine commandLine() {
        return commandLine(true);
    }

    /**
     * The command for these arguments: {@code admin} and its two dozen subcommands are only built
     * when the arguments are not {@code run ...}, since building picocli's model of them took a
     * noticeable part of the appliance's start (RELIABILITY.md, "Restart time").
     */
    public static CommandLine commandLine(String[] args) {
        return commandLine(args.length == 0 || !args[0].equals("run"));
    }

    private static CommandLine commandLine(boolean withAdmin) {
        CommandLine cl = new CommandLine(new PostkontorCommand());
        if (withAdmin) {
            cl.addSubcommand(new AdminCommand(new AdminLocator(), System.in, CliLogging::quiet));
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }
}
