package org.postkontor.deploy;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code postkontor version}. */
@Command(name = "version", description = "Print the version.")
public final class VersionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(new Version.Provider().getVersion()[0]);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
