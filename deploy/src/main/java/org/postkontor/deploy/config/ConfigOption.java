package org.postkontor.deploy.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code -c/--config FILE} option as a picocli mixin ({@code @Mixin ConfigOption config;}), so
 * that every subcommand, the admin CLI included, finds and checks the configuration the same way.
 */
public final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file (default: $POSTKONTOR_CONFIG, else ./postkontor.properties if it exists, else built-in defaults).")
    Path file;

    /** The file that will be read, if any. */
    public Optional<Path> location() {
        return ApplianceConfig.locate(Optional.ofNullable(file), System.getenv(), Path.of(""));
    }

    /** Reads and checks file and environment. */
    public ApplianceConfig load() throws ConfigException {
        return load(System.getenv());
    }

    public ApplianceConfig load(Map<String, String> env) throws ConfigException {
        return ApplianceConfig.load(ApplianceConfig.locate(Optional.ofNullable(file), env, Path.of("")), env);
    }
}
