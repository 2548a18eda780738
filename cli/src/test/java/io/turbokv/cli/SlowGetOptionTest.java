package io.turbokv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code get --slow-get-micros}: the threshold from which a lookup is recorded as a JFR {@code SlowGet} event. */
class SlowGetOptionTest {
    @TempDir
    Path tmp;

    @Test
    void aZeroThresholdRecordsEveryLookupOfGet() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "alpha", "one").exit());
        List<RecordedEvent> events = slowGets(dir, "--slow-get-micros", "0");
        assertEquals(1, events.size(), events::toString);
        RecordedEvent event = events.getFirst();
        assertEquals("found", event.getString("outcome"));
        assertEquals(5L, event.getLong("keyBytes"));
        assertTrue(event.getString("directory").endsWith("s"), event::toString);
    }

    @Test
    void theDefaultThresholdRecordsNoFastLookup() throws IOException {
        Path dir = tmp.resolve("s");
        assertEquals(0, CliRun.of("put", "--create", dir.toString(), "alpha", "one").exit());
        assertEquals(List.of(), slowGets(dir));
    }

    @Test
    void aNegativeThresholdIsAUsageError() {
        CliRun run = CliRun.of("get", "--slow-get-micros", "-1", tmp.toString(), "alpha");
        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().contains("--slow-get-micros: -1 (expected: >= 0)"), run::toString);
    }

    /** The SlowGet events a {@code get DIR alpha} with {@code options} emits under a recording. */
    private List<RecordedEvent> slowGets(Path dir, String... options) throws IOException {
        Path file = tmp.resolve("get.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.turbokv.SlowGet");
            recording.start();
            String[] args = new String[options.length + 3];
            args[0] = "get";
            System.arraycopy(options, 0, args, 1, options.length);
            args[options.length + 1] = dir.toString();
            args[options.length + 2] = "alpha";
            CliRun get = CliRun.of(args);
            assertEquals(0, get.exit(), get::toString);
            assertEquals("one" + System.lineSeparator(), get.out());
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.turbokv.SlowGet")).toList();
    }
}
