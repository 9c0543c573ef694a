package org.postkontor.admin.testing;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.postkontor.admin.cli.AdminCommand;
import org.postkontor.admin.cli.ApplianceLocator;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.store.StoreConfig;
import picocli.CommandLine;

/**
 * The admin CLI wired as {@code deploy} wires it, but over the appliance's defaults instead of its
 * config file (which is {@code deploy}'s): the data directory from {@code --data-dir} (else
 * {@code ./data}) with the store under it, the admin API on 127.0.0.1:8081 (tests give
 * {@code --api}), default badmail settings. {@link #main} is what {@link CliProcess} runs.
 */
public final class TestCli {

    /** The appliance's PID file in its data directory, as {@code deploy} names it. */
    public static final String PID_FILE = "postkontor.pid";

    /** The locator over the defaults; a {@code --config} file is refused (only deploy reads one). */
    public static final ApplianceLocator DEFAULTS = (configFile, dataDir) -> {
        if (configFile.isPresent()) {
            throw new IllegalArgumentException("the test CLI reads no config file");
        }
        Path dir = dataDir.orElse(Path.of("data")).toAbsolutePath().normalize();
        return new ApplianceLocator.Location(dir, dir.resolve(PID_FILE), StoreConfig.under(dir),
                new InetSocketAddress("127.0.0.1", 8081), BadmailConfig.DEFAULTS, TestAppliance.CLIENTS, Optional.empty());
    };

    private TestCli() {}

    /** The admin command reading {@code --password-stdin} from {@code stdin}, leaving logging as it is. */
    public static AdminCommand command(InputStream stdin) {
        return new AdminCommand(DEFAULTS, stdin, () -> {});
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(command(System.in)).execute(args));
    }
}
