package io.turbokv.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code turbokv} command: the entry point of the launcher script and of the shaded jar.
 *
 * <p>Every command prints its result on stdout. A failure is one line on stderr, {@code turbokv <command>:
 * <what went wrong>}, and a non-zero exit code: {@value #EXIT_FAILURE} when the command could not do its job
 * (missing store, a store locked by another writer, a damaged file, a key not found, no permission to write),
 * {@value #EXIT_USAGE} when the command line itself is wrong (unknown option, bad hex). Set the environment
 * variable {@code TURBOKV_DEBUG} to also get the stack trace of a failure.
 */
@Command(name = "turbokv",
        mixinStandardHelpOptions = true,
        versionProvider = TurboKvCli.Version.class,
        description = "Operate and inspect TurboKV stores.",
        footer = {"", "Stores have families, recorded when the store is created: a command that creates one takes"
                + " --family NAME:single|multi once per family (default: one single-valued family named 'default');"
                + " the others need none.",
                "Exit codes: 0 success, 1 failure (one line on stderr), 2 bad command line."})
public final class TurboKvCli implements Runnable {
    /** The exit code of a command that did its job. */
    public static final int EXIT_OK = 0;
    /** The exit code of a command that failed: a missing or damaged store, a key not found, a lock held. */
    public static final int EXIT_FAILURE = 1;
    /** The exit code of a wrong command line: an unknown option, a missing parameter, bad hex. */
    public static final int EXIT_USAGE = 2;

    /**
     * The commands, in the order {@code --help} lists them. Not in the {@code @Command} annotation: picocli would
     * build the model of every one of them at each start, and {@link #main} builds only the one it runs.
     */
    static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, LoadCommand.class, ExportCommand.class,
            GetCommand.class, PutCommand.class, DeleteCommand.class, BatchCommand.class, InfoCommand.class,
            VerifyCommand.class, CompactCommand.class, StatsCommand.class, CheckpointCommand.class,
            SalvageCommand.class, BenchCommand.class, DoctorCommand.class, StartupTrainingCommand.class,
            CommandLine.HelpCommand.class);

    /** The commands whose parameters are keys and values, which may start with a dash. */
    private static final List<String> KEY_COMMANDS = List.of("get", "put", "delete");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The top-level command alone; {@link #newCommandLine()} adds TurboKV's error reporting around it. */
    public TurboKvCli() {
        // picocli injects the spec
    }

    /**
     * Runs the command line and exits the JVM with its exit code.
     *
     * @param args the command and its options, as the {@code turbokv} launcher passes them
     */
    public static void main(String[] args) {
        System.exit(newCommandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** {@return a command line ready to execute, with TurboKV's error reporting} Tests call this in-process. */
    public static CommandLine newCommandLine() {
        return newCommandLine(null);
    }

    /**
     * A command line with only the command named {@code first} when there is one by that name (a quicker start:
     * the command runs as with all of them), else with every command.
     */
    private static CommandLine newCommandLine(String first) {
        CommandLine cli = new CommandLine(new TurboKvCli());
        List<Class<?>> only = first == null ? List.of() : COMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class // help needs them all
                        && (c.getAnnotation(Command.class).name().equals(first)
                                || List.of(c.getAnnotation(Command.class).aliases()).contains(first)))
                .toList();
        for (Class<?> command : only.isEmpty() ? COMMANDS : only) {
            cli.addSubcommand(command);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        for (String takesKeys : KEY_COMMANDS) {
            CommandLine command = cli.getSubcommands().get(takesKeys);
            if (command != null) {
                // keys and values may start with a dash: 'get DIR -k' needs no '--' ('--' still works)
                command.setUnmatchedOptionsArePositionalParams(true);
            }
        }
        cli.setExecutionExceptionHandler((failure, command, parseResult) -> {
            PrintWriter err = command.getErr();
            err.println(command.getCommandSpec().qualifiedName() + ": " + Errors.describe(failure));
            if (System.getenv("TURBOKV_DEBUG") != null) {
                failure.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILURE;
        });
        cli.setParameterExceptionHandler((failure, args) -> {
            CommandLine command = failure.getCommandLine();
            String name = command.getCommandSpec().qualifiedName();
            PrintWriter err = command.getErr();
            err.println(name + ": " + failure.getMessage() + " (see '" + name + " --help')");
            err.flush();
            return EXIT_USAGE;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TurboKvCli.class.getPackage().getImplementationVersion();
            return new String[] {"turbokv " + (version == null ? "(development build)" : version)};
        }
    }
}
