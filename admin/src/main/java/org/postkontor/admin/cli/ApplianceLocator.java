package org.postkontor.admin.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.api.ClientSetup;
import org.postkontor.badmail.BadmailConfig;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.postgresql.PostgresConfig;

/**
 * Where the admin CLI finds the appliance, as the appliance's own configuration says: given by
 * whoever wires the CLI ({@code deploy}, over its config file and {@code POSTKONTOR_*} variables),
 * so that the CLI and the appliance read one configuration the same way. Called once per CLI
 * invocation, before it connects.
 */
@FunctionalInterface
public interface ApplianceLocator {

    /**
     * @param configFile {@code --config}, if given (else the appliance's default lookup applies)
     * @param dataDir    {@code --data-dir}, if given: it replaces {@code data.dir}, and the store's
     *                   directories are then the defaults under it
     * @throws AdminError the configuration is invalid (status 400, the message names the key)
     */
    Location locate(Optional<Path> configFile, Optional<Path> dataDir) throws AdminError;

    /**
     * @param dataDir      the data directory (absolute): the admin token is under it
     * @param pidFile      the appliance's PID file: it names a live process while the appliance runs
     * @param store        the store's directories, for opening it when the appliance is stopped
     * @param adminAddress the admin API's listener
     * @param badmail      the badmail settings, for the queue over a store the CLI opened
     * @param clients      what mail clients are told to use (for {@code domain dns})
     * @param adminCertificate present when the admin listener speaks TLS (it is bound beyond loopback):
     *                     the PEM certificate it presents, which the CLI trusts and nothing else
     * @param database     the shared database, for the postgresql backend
     */
    record Location(Path dataDir, Path pidFile, StoreConfig store, InetSocketAddress adminAddress,
                    BadmailConfig badmail, ClientSetup clients, Optional<Path> adminCertificate,
                    Optional<PostgresConfig> database) {

        /** A location of an embedded store. */
        public Location(Path dataDir, Path pidFile, StoreConfig store, InetSocketAddress adminAddress,
                        BadmailConfig badmail, ClientSetup clients, Optional<Path> adminCertificate) {
            this(dataDir, pidFile, store, adminAddress, badmail, clients, adminCertificate, Optional.empty());
        }

        public Location {
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(pidFile, "pidFile");
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(adminAddress, "adminAddress");
            Objects.requireNonNull(badmail, "badmail");
            Objects.requireNonNull(clients, "clients");
            Objects.requireNonNull(adminCertificate, "adminCertificate");
        }
    }
}
