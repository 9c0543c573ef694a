package org.postkontor.admin.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminError;
import org.postkontor.store.StoreConfig;
import org.postkontor.store.StoreException;
import org.postkontor.store.StoreMetrics;
import org.postkontor.store.embedded.EmbeddedStore;
import org.postkontor.store.password.Argon2Params;
import org.postkontor.store.password.Argon2idPasswordHasher;
import org.postkontor.store.postgresql.PostgresConfig;
import org.postkontor.store.postgresql.PostgresStore;
import org.postkontor.store.postgresql.StoreMigration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code admin migrate-store --to postgresql}: copies the embedded store under the data directory
 * into the PostgreSQL database of {@code store.jdbc-*} (or the options), with the appliance
 * stopped. Safe to run again: what the database has is skipped. Then set
 * {@code store.backend=postgresql} and start the appliance.
 */
@Command(name = "migrate-store", description = "Copy the embedded store (accounts with their password hashes, mail"
        + " with its UIDLs, badmail, the outbound queue, DKIM keys) into PostgreSQL. Stop the appliance first; run it"
        + " again after an interruption (what is there is skipped); then set store.backend=postgresql and start.",
        exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
final class MigrateStoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "BACKEND", description = "postgresql (the only one).")
    String to;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "The database (default: store.jdbc-url of the config).")
    String url;

    @Option(names = "--jdbc-user", paramLabel = "ROLE", description = "Its role (default: store.jdbc-user, else postkontor).")
    String user;

    @Option(names = "--jdbc-password-file", paramLabel = "FILE", description = "A file holding the role's password.")
    Path passwordFile;

    @Option(names = "--progress", paramLabel = "STYLE", defaultValue = "auto",
            description = "auto (a bar on a terminal, else lines), bar, lines or none.")
    String progress;

    @Override
    public Integer call() {
        AdminCommand a = AdminCommand.of(spec);
        try {
            if (!"postgresql".equals(to)) {
                throw AdminError.badInput("--to must be postgresql");
            }
            Progress.Style style = Progress.style(progress);
            ApplianceLocator.Location t = a.stoppedAppliance();
            PostgresConfig target = target(t);
            // the target stages messages under a directory of its own beside the embedded store's
            Path staging = t.dataDir().resolve("migrate-store");
            StoreConfig stagingConfig = new StoreConfig(staging.resolve("spool"), staging.resolve("index"),
                    staging.resolve("badmail"), 0);
            Argon2idPasswordHasher hasher = new Argon2idPasswordHasher(Argon2Params.DEFAULT);
            StoreMigration.Result r;
            Progress[] bar = new Progress[1];
            try (EmbeddedStore source = EmbeddedStore.open(t.store(), hasher, Clock.systemUTC(), StoreMetrics.NOOP);
                 PostgresStore dest = PostgresStore.open(target, stagingConfig, hasher, Clock.systemUTC(),
                         StoreMetrics.NOOP)) {
                r = StoreMigration.run(source, dest, new StoreMigration.Listener() {
                    @Override
                    public void mail(long messages, long octets) {
                        bar[0] = new Progress("migrate-store", a.err(), style, messages, octets, System::nanoTime);
                    }

                    @Override
                    public void message(long octets, boolean skipped) {
                        if (skipped) {
                            bar[0].skipped(octets);
                        } else {
                            bar[0].delivered(octets);
                        }
                    }
                });
            } finally {
                if (bar[0] != null) {
                    bar[0].done();
                }
            }
            a.out().printf("migrated into %s: accounts %s; %d messages copied, %d already there; %d badmail items;"
                            + " %d queued messages; %d DKIM keys%n", target.jdbcUrl(), r.accounts(), r.messages(),
                    r.skipped(), r.badmail(), r.queued(), r.dkimKeys());
            a.out().println("next: set store.backend=postgresql and store.jdbc-* in the config, then start the"
                    + " appliance");
            a.out().flush();
            return ExitCodes.OK;
        } catch (AdminError e) {
            return a.fail(e);
        } catch (IllegalArgumentException e) {
            return a.fail(AdminError.badInput(e.getMessage()));
        } catch (StoreException e) {
            return a.fail(AdminError.unavailable("migration stopped (run it again to go on): " + e.getMessage()));
        }
    }

    private PostgresConfig target(ApplianceLocator.Location t) throws AdminError {
        String password = null;
        if (passwordFile != null) {
            try {
                List<String> lines = Files.readAllLines(passwordFile);
                password = lines.isEmpty() ? null : lines.get(0);
            } catch (IOException e) {
                throw AdminError.badInput("cannot read " + passwordFile + ": " + e.getMessage());
            }
        }
        if (url != null) {
            return new PostgresConfig(url, user != null ? user : "postkontor", password, 4);
        }
        PostgresConfig configured = t.database().orElseThrow(() -> AdminError.badInput(
                "no database: give --jdbc-url, or set store.backend=postgresql and store.jdbc-url in the config"));
        return new PostgresConfig(configured.jdbcUrl(), user != null ? user : configured.user(),
                password != null ? password : configured.password(), 4);
    }
}
