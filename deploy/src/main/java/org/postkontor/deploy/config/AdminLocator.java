package org.postkontor.deploy.config;

import java.nio.file.Path;
import java.util.Optional;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.cli.ApplianceLocator;
import org.postkontor.deploy.tls.SelfSignedCertificate;
import org.postkontor.store.StoreConfig;

/**
 * The admin CLI's view of this appliance's configuration: the config file ({@code --config}, else
 * {@code $POSTKONTOR_CONFIG}, else {@code ./postkontor.properties}) and the {@code POSTKONTOR_*}
 * variables, read as {@code postkontor run} reads them.
 */
public final class AdminLocator implements ApplianceLocator {

    @Override
    public Location locate(Optional<Path> configFile, Optional<Path> dataDir) throws AdminError {
        ApplianceConfig c;
        try {
            c = ApplianceConfig.load(ApplianceConfig.locate(configFile, System.getenv(), Path.of("").toAbsolutePath()),
                    System.getenv());
        } catch (ConfigException e) {
            throw AdminError.badInput("configuration: " + e.getMessage());
        }
        Path dir = dataDir.orElse(c.dataDir()).toAbsolutePath().normalize();
        StoreConfig store = dataDir.isPresent() ? StoreConfig.under(dir) : c.store();
        Path tlsDir = dataDir.isPresent() ? dir.resolve("tls") : c.tls().selfSignedDir();
        Optional<Path> certificate = c.adminTls()
                ? Optional.of(c.tls().cert().orElse(SelfSignedCertificate.certFileIn(tlsDir))) : Optional.empty();
        return new Location(dir, ApplianceConfig.pidFileIn(dir), store, c.admin().address(), c.badmailConfig(),
                c.clients(), certificate, c.database());
    }
}
