package io.turbokv.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** What every command on an existing store has: the store directory (first parameter) and its families. */
abstract class StoreCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    FamilyOptions families;

    Path directory;

    /**
     * Sets the store's directory. The commands that take keys treat arguments that look like unknown options as
     * parameters, so that {@code get DIR -key} works without {@code --} (see {@link TurboKvCli#newCommandLine()}):
     * an unknown option given where DIR goes, and naming nothing on disk, is still reported as one.
     */
    @Parameters(index = "0", paramLabel = "DIR", description = "The store's directory.")
    void directory(Path value) {
        if (value.toString().startsWith("-") && !Files.exists(value)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Unknown option: '" + value + "'");
        }
        directory = value;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** {@link Encoding#decode}, with bad input reported as a usage error (exit code 2). */
    byte[] decodeArgument(String text, boolean hex, String what) {
        try {
            return Encoding.decode(text, hex, what);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
