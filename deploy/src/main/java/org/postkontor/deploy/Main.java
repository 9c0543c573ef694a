package org.postkontor.deploy;

import picocli.CommandLine;

/** {@code java -jar postkontor.jar ...}: the one entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = PostkontorCommand.commandLine(args).execute(args);
        System.exit(code);
    }
}
