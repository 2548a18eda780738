package io.turbokv;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM that runs a main class of these tests the way this JVM runs them: the same JDK,
 * the flags of {@code jdk-flags.txt} (so the child prints no warning either) and, when the tests run patched into
 * the module {@code io.turbokv}, the same module path, patch, reads and opens.
 */
final class ChildJvm {
    private ChildJvm() {}

    static List<String> command(int heapMiB, Class<?> mainClass, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("-Xmx" + heapMiB + "m");
        // Every "--" option this JVM got: jdk-flags.txt's and the module system's; the -X and -D ones (heap, test
        // settings) are this JVM's own.
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--")) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(arguments));
        return command;
    }
}
