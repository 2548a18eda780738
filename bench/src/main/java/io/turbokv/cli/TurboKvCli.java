package io.turbokv.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code turbokv} command: the entry point of the launcher script and of the shaded jar. */
@Command(name = "turbokv",
        mixinStandardHelpOptions = true,
        versionProvider = TurboKvCli.Version.class,
        description = "Operate and inspect TurboKV stores.",
        subcommands = {DoctorCommand.class, CommandLine.HelpCommand.class})
public final class TurboKvCli implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** A command line ready to execute; tests call this in-process. */
    public static CommandLine newCommandLine() {
        return new CommandLine(new TurboKvCli());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'turbokv --help'");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TurboKvCli.class.getPackage().getImplementationVersion();
            return new String[] {"turbokv " + (version == null ? "(development build)" : version)};
        }
    }
}
