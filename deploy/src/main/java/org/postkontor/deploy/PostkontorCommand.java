package org.postkontor.deploy;

import org.postkontor.deploy.admin.AdminCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code postkontor} command: {@code run}, {@code config check|example}, {@code version}, {@code admin}. */
@Command(name = "postkontor", mixinStandardHelpOptions = true, versionProvider = Version.Provider.class,
        description = "SMTP-receive + POP3 mail appliance.",
        subcommands = {RunCommand.class, ConfigCommand.class, VersionCommand.class, AdminCommand.class})
public final class PostkontorCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** With no subcommand: usage. ({@code ./postkontor} with no arguments runs {@code run}.) */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PostkontorCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }
}
