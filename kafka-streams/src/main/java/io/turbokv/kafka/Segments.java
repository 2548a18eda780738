package io.turbokv.kafka;

import io.turbokv.CompactionPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStoreContext;

/**
 * The time segments of a window or session store, as Kafka's segmented RocksDB stores keep them: segment
 * {@code id = timestamp / segmentInterval}, live while {@code id >= (streamTime - retention) / segmentInterval},
 * where stream time is the largest timestamp written; each segment is a {@link TurboKvKeyValueStore} in
 * {@code <task state dir>/<store name>/<store name>.<id * segmentInterval>}, and expiry deletes whole segments
 * (renamed {@code <segment>.expired} first, so that a crash midway leaves no half-deleted segment: see
 * {@link #open}).
 * Not thread-safe: the owning store synchronises.
 */
final class Segments {
    /** The suffix of an expired segment's directory while it is deleted. */
    static final String EXPIRED_SUFFIX = ".expired";
    /** A segment directory's name: the store's name, the segment's first time, maybe the expired suffix. */
    private static final Pattern SEGMENT_NAME = Pattern.compile("(.+)\\.(\\d+)(" + Pattern.quote(EXPIRED_SUFFIX)
            + ")?");
    private static final System.Logger LOGGER = System.getLogger(Segments.class.getName());
    private final String storeName;
    private final long retentionPeriod;
    private final long segmentInterval;
    private final TurboKvKeyValueStore.ConfigChoice configChoice;
    private final NavigableMap<Long, TurboKvKeyValueStore> segments = new TreeMap<>();
    /** The live segments, for metrics reporters, which read them without the owner's lock. */
    private volatile List<TurboKvKeyValueStore> live = List.of();
    /** The TurboKV commits of every segment, dropped ones included. */
    private final StoreMetrics.Commits commits = new StoreMetrics.Commits();
    private SegmentContext context;
    private boolean hasChangelog;
    private long observedStreamTime = -1;
    /** Deletes one file of an expired segment; a test replaces it to fail part-way, as a crash would. */
    Directories.FileDeleter deleter = Files::delete;

    /** The owner's hold on its segments' compactions: held while the owner restores. */
    private final CompactionPolicy.Hold compactionHold;

    Segments(String storeName, long retentionPeriod, long segmentInterval,
             TurboKvKeyValueStore.ConfigChoice configChoice, CompactionPolicy.Hold compactionHold) {
        this.compactionHold = compactionHold;
        this.storeName = storeName;
        this.retentionPeriod = retentionPeriod;
        this.segmentInterval = segmentInterval;
        this.configChoice = configChoice;
    }

    /**
     * Opens the segments found on disk; their stores open as the owner's would ({@code hasChangelog}).
     *
     * @return the commit record each segment holds (null for a segment without one), by segment id
     */
    Map<Long, CommitRecord> open(StateStoreContext taskContext, boolean hasChangelog) {
        Path directory = taskContext.stateDir().toPath().resolve(storeName);
        // a segment does not count as a store with a changelog: one segment rebuilt alone would not match the others
        this.context = new SegmentContext(taskContext, directory, false);
        this.hasChangelog = hasChangelog;
        Map<Long, CommitRecord> records = new HashMap<>();
        try {
            Files.createDirectories(directory);
            try (Stream<Path> children = Files.list(directory)) {
                for (Path child : children.sorted().toList()) {
                    Matcher name = SEGMENT_NAME.matcher(child.getFileName().toString());
                    if (!name.matches() || !name.group(1).equals(storeName)) {
                        if (child.getFileName().toString().startsWith(storeName + ".")) {
                            throw new IOException("not a segment of store " + storeName + ": " + child);
                        }
                        continue; // not ours
                    }
                    if (EXPIRED_SUFFIX.equals(name.group(3))) {
                        Directories.deleteRecursively(child); // a deletion a crash interrupted
                        continue;
                    }
                    long id = Long.parseLong(name.group(2)) / segmentInterval;
                    if (!records.containsKey(id)) {
                        TurboKvKeyValueStore segment = segment(id);
                        records.put(id, CommitRecord.decode(segment.metadata(CommitRecord.KEY), segment.name()));
                    }
                }
            }
        } catch (IOException e) {
            throw new ProcessorStateException("store " + storeName + ": cannot open its segments in " + directory, e);
        }
        return records;
    }

    /**
     * Moves stream time to {@code timestamp} if later, deletes the segments that expire with it, and returns the
     * segment of {@code timestamp}, created if needed; null when that segment has expired.
     */
    TurboKvKeyValueStore liveSegment(long timestamp) {
        observe(timestamp);
        long id = timestamp / segmentInterval;
        return id >= minLiveSegment() ? segment(id) : null;
    }

    /** Moves stream time to {@code timestamp} if later and deletes the segments that expire with it. */
    void observe(long timestamp) {
        observedStreamTime = Math.max(observedStreamTime, timestamp);
        NavigableMap<Long, TurboKvKeyValueStore> expired = segments.headMap(minLiveSegment(), false);
        for (TurboKvKeyValueStore segment : expired.values()) {
            segment.close();
            delete(context.stateDir().toPath().resolve(segment.name()));
        }
        if (!expired.isEmpty()) {
            expired.clear();
            live = List.copyOf(segments.values());
        }
    }

    /**
     * Deletes an expired segment's directory: renamed first, atomically, to {@code <segment>}{@link #EXPIRED_SUFFIX},
     * which no open takes for a segment, then deleted file by file. A crash midway leaves that name, which the next
     * {@link #open} deletes, never a half-deleted segment that would fail the store's open.
     */
    private void delete(Path directory) {
        Path expired = directory.resolveSibling(directory.getFileName() + EXPIRED_SUFFIX);
        try {
            Directories.move(directory, expired);
        } catch (IOException e) {
            throw new ProcessorStateException("store " + storeName + ": cannot drop expired segment " + directory, e);
        }
        try {
            Directories.deleteRecursively(expired, deleter);
        } catch (IOException e) { // out of the way already: the next open deletes the rest
            LOGGER.log(System.Logger.Level.WARNING, "store " + storeName + ": expired segment " + expired
                    + " not deleted, the next open deletes it: " + e);
        }
    }

    /** The existing segment of {@code timestamp}, or null. */
    TurboKvKeyValueStore existingSegment(long timestamp) {
        return segments.get(timestamp / segmentInterval);
    }

    /** The oldest timestamp a read may still see: {@code streamTime - retention + 1}. */
    long oldestLiveTimestamp() {
        return observedStreamTime - retentionPeriod + 1;
    }

    /** {@return a copy of the segments covering {@code [from, to]}, by id, ascending} */
    NavigableMap<Long, TurboKvKeyValueStore> covering(long from, long to) {
        return from > to ? new TreeMap<>()
                : new TreeMap<>(segments.subMap(Math.max(from, 0) / segmentInterval, true, to / segmentInterval, true));
    }

    /** {@return the first time of segment {@code id}} */
    long firstTime(long id) {
        return id * segmentInterval;
    }

    /** {@return the last time of segment {@code id}} */
    long lastTime(long id) {
        long first = firstTime(id);
        return first > Long.MAX_VALUE - segmentInterval ? Long.MAX_VALUE : first + segmentInterval - 1;
    }

    /**
     * {@return the live segments that hold writes not on disk (buffered, or committed and kept in memory), by id,
     * ascending}
     */
    NavigableMap<Long, TurboKvKeyValueStore> withWrites() {
        NavigableMap<Long, TurboKvKeyValueStore> holding = new TreeMap<>();
        segments.forEach((id, segment) -> {
            if (segment.holdsWrites()) {
                holding.put(id, segment);
            }
        });
        return holding;
    }

    /** Moves every live segment's buffered writes into its committed writes in memory. */
    void keepCommitted() {
        for (TurboKvKeyValueStore segment : segments.values()) {
            segment.keepCommitted();
        }
    }

    /** Drops every live segment's buffered writes, those Streams did not commit. */
    void dropBuffered() {
        for (TurboKvKeyValueStore segment : segments.values()) {
            segment.dropBuffered();
        }
    }

    /** {@return the estimated heap held by the live segments' committed writes in memory} */
    long unwrittenBytes() {
        long bytes = 0;
        for (TurboKvKeyValueStore segment : segments.values()) {
            bytes += segment.unwrittenBytes();
        }
        return bytes;
    }

    /** {@return the newest live segment with its id, or null when there is none} */
    Map.Entry<Long, TurboKvKeyValueStore> newest() {
        return segments.lastEntry();
    }

    long approximateNumUncommittedBytes() {
        long bytes = 0;
        for (TurboKvKeyValueStore segment : segments.values()) {
            bytes += segment.approximateNumUncommittedBytes();
        }
        return bytes;
    }

    /** Closes every segment (dropping buffered writes, as {@link TurboKvKeyValueStore#close()}). */
    void close() {
        for (TurboKvKeyValueStore segment : segments.values()) {
            segment.close();
        }
        segments.clear();
        live = List.of();
    }

    /** {@return the sums of the live segments' figures for the owner's Streams metrics} Takes no lock. */
    StoreMetrics.Snapshot metricsSnapshot() {
        StoreMetrics.Snapshot sum = new StoreMetrics.Snapshot(StoreMetrics.Snapshot.NONE.keyBlockCache(),
                StoreMetrics.Snapshot.NONE.valueBlockCache(), 0, 0, 0, commits);
        for (TurboKvKeyValueStore segment : live) {
            sum = sum.plus(segment.metricsSnapshot());
        }
        return sum;
    }

    private long minLiveSegment() {
        return (observedStreamTime - retentionPeriod) / segmentInterval;
    }

    private TurboKvKeyValueStore segment(long id) {
        return segments.computeIfAbsent(id, ignored -> {
            // the segment's own context has no changelog: the owner's decides how the segment commits
            TurboKvKeyValueStore segment = new TurboKvKeyValueStore(storeName + "." + id * segmentInterval,
                    (segmentName, segmentHasChangelog, appConfigs) -> configChoice.configFor(segmentName,
                            hasChangelog, appConfigs),
                    true, commits, compactionHold);
            segment.init(context, segment);
            live = Stream.concat(live.stream(), Stream.of(segment)).toList();
            return segment;
        });
    }
}
