package io.turbokv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the model runs of one property went through, counted as they happen: which thresholds the writes crossed
 * (measured by what the store wrote where possible: a batch spilled when its commit published more SSTs than one
 * per family written), and which lifetimes the reads spanned. Printed after the property; a property may require
 * some of them, so that a change of the generators cannot silently stop crossing a threshold.
 */
final class ModelCoverage {
    /** The things counted. */
    enum Event {
        STEPS("steps"),
        WRITES("writes"),
        COMMITS("commits"),
        ABANDONED_BATCHES("batches closed without commit"),
        BATCHES_OPEN_AT_STORE_CLOSE("batches open when the store closed"),
        LARGE_BATCHES_ROLLED_BACK("batches of over 100,000 entries or 32 MiB rolled back"),
        SPILLED_BATCHES("batches that spilled"),
        SPILLS_BY_ENTRIES("of them past 2^18 entries in a family"),
        SPILLS_BY_BYTES("of them past 64 MiB in a family"),
        TOMBSTONE_SPILLS("of them past 2^18 multi-valued deletes"),
        BATCHES_PAST_COMPACTION_CUT("batches of more than 256 MiB in a family"),
        LATER_WRITE_ACROSS_SPILL("keys written again after a spill's worth of entries in their batch"),
        LATER_WRITE_FROM_OTHER_THREAD("keys written again from another thread in their batch"),
        TWO_THREAD_BULKS("bulk writes on two threads at once"),
        STRIPE_MOVES("batches with a family of more than 16,384 entries (stripes moved)"),
        KEY_BLOCK_GROUPS("multi-valued keys given more values in a batch than a key block holds"),
        KEY_BLOCK_RUNS("of them more than a key block holds of one hash (256 KiB)"),
        MEDIUM_VALUES_64_MIB("64 MiB values committed"),
        BLOBS("blob files committed"),
        REOPENS("reopens"),
        COMPACTIONS("compactions that changed the store"),
        COMPACTIONS_WHILE_READING("compactions raced by reads"),
        COMPACTION_OUTPUT_CUTS("merges cut into several SSTs of one temperature"),
        MERGES("merges"),
        WARM_OUTPUTS("warm merged SSTs"),
        COLD_OUTPUTS("cold merged SSTs"),
        MOVES("moves"),
        READ_ONLY_OPENED("read-only instances opened"),
        READ_ONLY_OPENED_MID_BATCH("of them while a batch was open"),
        READ_ONLY_OPENED_DURING_COMPACTION("of them while a compaction ran"),
        READ_ONLY_CHECKED_AFTER_WRITER_CHANGED("read-only checks after the writer committed or compacted"),
        READ_ONLY_CHECKED_AFTER_COMPACTION("read-only checks after the writer compacted"),
        READ_ONLY_CHECKED_AFTER_WRITER_REOPEN("read-only checks after the writer reopened"),
        SCOPES_OPENED("read scopes opened"),
        SCOPES_CHECKED_AFTER_CHANGE("scope checks after a commit or compaction"),
        SCOPES_CHECKED_AFTER_COMPACTION("scope checks after a compaction"),
        SCOPES_OPEN_AT_STORE_CLOSE("scopes open when the store closed");

        private final String description;

        Event(String description) {
            this.description = description;
        }
    }

    private final Map<Event, Long> counts = new EnumMap<>(Event.class);
    private int runs;

    /** Counts one {@code event}. */
    synchronized void count(Event event) {
        add(event, 1);
    }

    /** Counts {@code n} {@code event}s. */
    synchronized void add(Event event, long n) {
        counts.merge(event, n, Long::sum);
    }

    /** How many {@code event}s were counted. */
    synchronized long get(Event event) {
        return counts.getOrDefault(event, 0L);
    }

    /** A run ended, every check passed. */
    synchronized void runEnded() {
        runs++;
    }

    /** The runs that ended with every check passed. */
    synchronized int runs() {
        return runs;
    }

    /**
     * Counts the merges, moves and cut merges the store's {@code LOG} records. A merge lists its inputs, then its
     * outputs; it was cut when two outputs have the same temperature.
     */
    void countCompactions(Path directory) throws IOException {
        List<String> lines = Files.readAllLines(directory.resolve("LOG"));
        int warm = 0;
        int cold = 0;
        boolean inOutputs = false;
        for (String line : lines) {
            if (line.contains("MERGE OUTPUT")) {
                if (!inOutputs) {
                    count(Event.MERGES);
                    warm = 0;
                    cold = 0;
                    inOutputs = true;
                }
                boolean isCold = line.endsWith("COLD");
                count(isCold ? Event.COLD_OUTPUTS : Event.WARM_OUTPUTS);
                if (isCold ? ++cold == 2 : ++warm == 2) {
                    count(Event.COMPACTION_OUTPUT_CUTS);
                }
            } else {
                inOutputs = false;
                if (line.contains("MOVED")) {
                    count(Event.MOVES);
                }
            }
        }
    }

    @Override
    public synchronized String toString() {
        return runs + " runs: " + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().description)
                .collect(Collectors.joining(", "));
    }
}
