package org.postkontor.deploy.admin;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code postkontor admin ...}: domains, users, aliases, badmail, status, imports. */
@Command(name = "admin", description = "Manage domains, users, aliases and badmail.", mixinStandardHelpOptions = true)
public final class AdminCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
