package org.postkontor.deploy;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.postkontor.deploy.config.ApplianceConfig;
import org.postkontor.deploy.config.ConfigException;
import org.postkontor.deploy.config.ConfigOption;
import org.postkontor.deploy.logging.LogSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code postkontor run}: starts the appliance and runs until SIGTERM or SIGINT, then stops
 * gracefully and exits 0. Exit 2: configuration invalid; 1: could not start.
 */
@Command(name = "run", description = "Run the appliance (the default of ./postkontor).", mixinStandardHelpOptions = true)
public final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption configOption;

    @Override
    public Integer call() {
        ApplianceConfig config;
        try {
            config = configOption.load();
        } catch (ConfigException e) {
            var err = spec.commandLine().getErr();
            err.println("postkontor: configuration invalid, not starting:");
            for (String p : e.problems()) {
                err.println("  " + p);
            }
            err.flush();
            return 2;
        }
        LogSetup.apply(config.log());
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        Appliance appliance;
        try {
            appliance = Appliance.start(config, Clock.systemUTC(), Appliance.defaultHasher());
        } catch (Appliance.StartException e) {
            log.error("event=start_failed reason=\"{}\"", e.getMessage());
            return 1;
        }
        Thread hook = new Thread(appliance::close, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        appliance.close();
        return 0;
    }
}
