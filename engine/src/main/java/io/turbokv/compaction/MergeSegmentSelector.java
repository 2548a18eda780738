package io.turbokv.compaction;

import io.turbokv.CompactConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agrona.collections.IntArrayList;

/**
 * Chooses the merge jobs of one family (the seed's {@code get_merge_segments}). A pure function
 * of the SSTs' hash ranges, sizes and categories.
 *
 * <p>The input lists the family's SSTs <b>oldest first</b>, in the order a lookup reads them backwards: index
 * {@code i} holds data newer than index {@code j < i} where they overlap. Starting from the newest SST not yet
 * taken, a job grows towards older SSTs whose ranges overlap its range (widening the range and starting over when
 * one reaches past it) until it is optimal ({@code optimalMergeCount} SSTs and {@code optimalMergeDuplicationBytes})
 * or a bound stops it ({@code maxMergeCount}, {@code maxMergeBytes}, no more overlapping SSTs); a stopped job is
 * kept when it has {@code minMergeCount} SSTs and {@code minMergeDuplicationBytes}, otherwise its start becomes a
 * single-SST segment. At most {@code maxMergeSegmentCount} jobs are made.
 *
 * <p>The result lists segments oldest first. A segment of one SST is a <em>move</em>: the SST is kept as it is but
 * listed again, newer than the merged data it overlaps. Only moves that overlap an earlier segment are kept.
 *
 * <p><b>Small SSTs that overlap nothing newer.</b> Jobs grow only through overlapping ranges, so SSTs whose ranges
 * overlap no other SST would never merge: a commit of one key writes an SST whose range is a single hash, and a
 * store fed by many tiny commits (a Kafka Streams state store flushes at every Streams commit) would pile them up
 * without bound, every lookup probing one more key filter for each. turbo-persistence never meets this: its
 * commits are large, and the SST of a large batch of random keys spans nearly the whole hash space. So, after the
 * overlap-driven jobs, the SSTs not taken yet that are smaller than {@value #COALESCE_MAX_SST_BYTES} bytes and that
 * no newer SST left out of the job overlaps are merged into one more job (within the count, byte and job bounds),
 * listed newest: nothing newer outside it holds any of their keys, so their merged output may be read before every
 * other segment. Small SSTs that overlap each other join it together, whatever the duplication bounds: a key
 * rewritten by one small commit after another (a Kafka Streams store's position record is rewritten at every
 * commit) would otherwise leave one SST per compaction behind, never enough duplication to merge. The job takes
 * small SSTs of both categories: its output is split by temperature entry by entry, and a one-key cold SST is no
 * placement worth keeping apart. Large SSTs are left alone: a full compaction's non-overlapping outputs must not be
 * rewritten again and again.
 *
 * <p><b>Categories.</b> Jobs that grow by overlap never merge SSTs of different categories (cold and not cold);
 * only the job of small SSTs above does. Where an SST
 * of another category overlaps a growing job and is older than the job's SSTs so far, the job stops there: taking
 * SSTs older than it would put their data in the merged output, read before that SST, although it holds newer data.
 * (The same reasoning makes every job the newest SSTs overlapping its range, so segments that overlap are in age
 * order.)
 *
 * <p><b>Key-ordered families.</b> A key-ordered SST's keys hash all over the hash space, so by hash range every two
 * of a family's SSTs overlap and every selection would merge them all. {@link #selectByKey} selects by their key
 * ranges instead: it maps each range's ends, in key order, onto the hash space, spaced evenly, and selects as above.
 * The mapping keeps the order of every end, so two SSTs overlap after it exactly when their key ranges overlap: an
 * ordered family fed in key order (a log, a time series) keeps its SSTs apart, however old. Sizes are scaled by
 * how many ends a range spans rather than by how many keys it holds (the duplication estimates assume uniform
 * keys, which is as good as it gets without more than the two ends).
 */
public final class MergeSegmentSelector {
    /** SSTs below this size that overlap nothing newer left out are merged with each other (see the class comment). */
    public static final long COALESCE_MAX_SST_BYTES = 1L << 20;

    private MergeSegmentSelector() {}

    /**
     * One SST as the selector sees it.
     *
     * @param minHash   the lowest hash, unsigned
     * @param maxHash   the highest hash, unsigned, not below {@code minHash}
     * @param sizeBytes the file size, not negative
     * @param category  SSTs of different categories are never merged together (1 = cold, 0 = otherwise)
     */
    public record Compactable(long minHash, long maxHash, long sizeBytes, int category) {
        /** Validates the components. */
        public Compactable {
            if (Long.compareUnsigned(minHash, maxHash) > 0) {
                throw new IllegalArgumentException("range " + HashRange.toString(minHash, maxHash)
                        + ": min above max (unsigned)");
            }
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: >= 0)");
            }
        }
    }

    /**
     * One SST of a key-ordered family as {@link #selectByKey} sees it.
     *
     * @param minKey    the lowest key (unsigned bytes)
     * @param maxKey    the highest key, not below {@code minKey}
     * @param sizeBytes the file size, not negative
     * @param category  SSTs of different categories are never merged together (1 = cold, 0 = otherwise)
     */
    public record KeyedCompactable(byte[] minKey, byte[] maxKey, long sizeBytes, int category) {
        /** Validates the components. */
        public KeyedCompactable {
            if (Arrays.compareUnsigned(minKey, maxKey) > 0) {
                throw new IllegalArgumentException("key range: max key below min key (unsigned)");
            }
        }
    }

    /**
     * The selector's answer.
     *
     * @param segments       segments oldest first, each as input indices in ascending (oldest first) order; one
     *                       index is a move, more are a merge
     * @param mergeJobCount  the number of merge segments (of two or more SSTs), which counts against the budget
     */
    public record Selection(List<int[]> segments, int mergeJobCount) {
        /** Copies the list. */
        public Selection {
            segments = List.copyOf(segments);
        }
    }

    /**
     * Selects the segments of {@code ssts} (oldest first) within {@code limits}.
     *
     * @param ssts   a family's live SSTs, oldest first
     * @param limits the merge jobs' count, size and duplication bounds
     * @return the selected segments, each a run of SSTs to merge into new ones
     */
    public static Selection select(List<Compactable> ssts, CompactConfig limits) {
        int n = ssts.size();
        boolean[] used = new boolean[n];
        List<int[]> segments = new ArrayList<>();
        int mergeJobs = 0;
        // A job's duplication never exceeds the bytes of its SSTs, all at or below its start: a start whose SSTs
        // so far hold less than both duplication bounds can only end as a single segment. This spares the search
        // of a store fed by many small commits, whose SSTs add up to less than the bounds, from being quadratic.
        long neededBytes = Long.compareUnsigned(limits.minMergeDuplicationBytes(),
                limits.optimalMergeDuplicationBytes()) < 0 ? limits.minMergeDuplicationBytes()
                        : limits.optimalMergeDuplicationBytes();
        long[] bytesUpTo = new long[n];
        for (int i = 0; i < n; i++) {
            bytesUpTo[i] = saturatingAdd(i == 0 ? 0 : bytesUpTo[i - 1], ssts.get(i).sizeBytes());
        }
        outer:
        for (int startIndex = n - 1; startIndex >= 0; startIndex--) {
            if (used[startIndex]) {
                continue;
            }
            if (mergeJobs >= limits.maxMergeSegmentCount()) {
                break;
            }
            if (Long.compareUnsigned(bytesUpTo[startIndex], neededBytes) < 0) {
                segments.add(new int[] {startIndex});
                continue;
            }
            Compactable start = ssts.get(startIndex);
            long startScaled = DuplicationInfo.scaledSize(start.sizeBytes(), start.minHash(), start.maxHash());
            long rangeMin = start.minHash();
            long rangeMax = start.maxHash();
            search:
            while (true) {
                IntArrayList set = new IntArrayList();
                set.addInt(startIndex);
                long size = start.sizeBytes();
                IntervalMap<DuplicationInfo> duplication = new IntervalMap<>();
                duplication.update(start.minHash(), start.maxHash(), info -> orEmpty(info).add(startScaled));
                int scanFrom = startIndex - 1;
                while (true) {
                    long duplicated = DuplicationInfo.totalDuplication(duplication);
                    if (set.size() >= limits.optimalMergeCount()
                            && Long.compareUnsigned(duplicated, limits.optimalMergeDuplicationBytes()) >= 0) {
                        segments.add(take(set, used));
                        mergeJobs++;
                        continue outer;
                    }
                    boolean valid = set.size() >= limits.minMergeCount()
                            && Long.compareUnsigned(duplicated, limits.minMergeDuplicationBytes()) >= 0;
                    if (set.size() >= limits.maxMergeCount() || size >= limits.maxMergeBytes()) {
                        mergeJobs += endJob(set, valid, used, segments, startIndex);
                        continue outer;
                    }
                    int next = -1;
                    for (int i = scanFrom; i >= 0; i--) {
                        Compactable candidate = ssts.get(i);
                        if (used[i] || !HashRange.overlaps(rangeMin, rangeMax, candidate.minHash(),
                                candidate.maxHash())) {
                            continue;
                        }
                        if (candidate.category() != start.category()) {
                            next = -2; // an overlapping SST of another category: nothing older may join
                        } else {
                            next = i;
                        }
                        break;
                    }
                    if (next < 0) {
                        mergeJobs += endJob(set, valid, used, segments, startIndex);
                        continue outer;
                    }
                    scanFrom = next - 1;
                    Compactable found = ssts.get(next);
                    if (saturatingAdd(size, found.sizeBytes()) > limits.maxMergeBytes()) {
                        mergeJobs += endJob(set, valid, used, segments, startIndex);
                        continue outer;
                    }
                    boolean extended = false;
                    if (Long.compareUnsigned(found.minHash(), rangeMin) < 0) {
                        rangeMin = found.minHash();
                        extended = true;
                    }
                    if (Long.compareUnsigned(found.maxHash(), rangeMax) > 0) {
                        rangeMax = found.maxHash();
                        extended = true;
                    }
                    if (extended) {
                        continue search; // SSTs skipped so far may overlap the wider range
                    }
                    set.addInt(next);
                    size += found.sizeBytes();
                    long foundScaled = DuplicationInfo.scaledSize(found.sizeBytes(), found.minHash(), found.maxHash());
                    duplication.update(found.minHash(), found.maxHash(), info -> orEmpty(info).add(foundScaled));
                }
            }
        }
        while (!segments.isEmpty() && segments.getLast().length == 1) {
            segments.removeLast();
        }
        Collections.reverse(segments);
        // Keep a move only where it overlaps an older kept segment: elsewhere the SST can stay where it is.
        IntervalMap<Boolean> usedRanges = new IntervalMap<>();
        List<int[]> kept = new ArrayList<>(segments.size());
        for (int[] segment : segments) {
            if (segment.length == 1) {
                Compactable single = ssts.get(segment[0]);
                if (!usedRanges.anyIntersecting(single.minHash(), single.maxHash(), Boolean.TRUE::equals)) {
                    continue;
                }
            }
            for (int index : segment) {
                usedRanges.replace(ssts.get(index).minHash(), ssts.get(index).maxHash(), Boolean.TRUE);
            }
            kept.add(segment);
        }
        boolean[] inSegment = new boolean[n]; // merged or kept as a move (used marks merged SSTs only)
        for (int[] segment : kept) {
            for (int index : segment) {
                inSegment[index] = true;
            }
        }
        if (mergeJobs < limits.maxMergeSegmentCount()) {
            IntArrayList small = smallUncoveredSsts(ssts, inSegment, limits);
            if (small.size() >= limits.minMergeCount()) {
                kept.add(take(small, inSegment));
                mergeJobs++;
            }
        }
        return new Selection(kept, mergeJobs);
    }

    /**
     * {@link #select} for a key-ordered family, by key ranges (see the class comment): the {@code i}-th lowest of
     * the ranges' distinct ends becomes hash {@code i * floor((2^64 - 1) / (ends - 1))}.
     *
     * @param ssts   a key-ordered family's live SSTs, oldest first
     * @param limits the merge jobs' count, size and duplication bounds
     * @return the selected segments, as {@link #select} gives them
     */
    public static Selection selectByKey(List<KeyedCompactable> ssts, CompactConfig limits) {
        TreeMap<byte[], Long> ends = new TreeMap<>(Arrays::compareUnsigned);
        for (KeyedCompactable sst : ssts) {
            ends.put(sst.minKey(), 0L);
            ends.put(sst.maxKey(), 0L);
        }
        long step = ends.size() < 2 ? 0 : Long.divideUnsigned(-1L, ends.size() - 1L);
        long rank = 0;
        for (Map.Entry<byte[], Long> end : ends.entrySet()) {
            end.setValue(rank++ * step);
        }
        List<Compactable> mapped = new ArrayList<>(ssts.size());
        for (KeyedCompactable sst : ssts) {
            mapped.add(new Compactable(ends.get(sst.minKey()), ends.get(sst.maxKey()), sst.sizeBytes(),
                    sst.category()));
        }
        return select(mapped, limits);
    }

    /**
     * The SSTs not in any segment, under {@link #COALESCE_MAX_SST_BYTES}, that no newer SST left out of the job
     * overlaps, newest first, up to the count and byte bounds; of either category.
     */
    private static IntArrayList smallUncoveredSsts(List<Compactable> ssts, boolean[] inSegment, CompactConfig limits) {
        IntervalMap<Boolean> newerLeftOut = new IntervalMap<>();
        IntArrayList taken = new IntArrayList();
        long bytes = 0;
        for (int i = ssts.size() - 1; i >= 0 && taken.size() < limits.maxMergeCount(); i--) {
            Compactable sst = ssts.get(i);
            if (inSegment[i] || sst.sizeBytes() >= COALESCE_MAX_SST_BYTES
                    || saturatingAdd(bytes, sst.sizeBytes()) > limits.maxMergeBytes()
                    || newerLeftOut.anyIntersecting(sst.minHash(), sst.maxHash(), Boolean.TRUE::equals)) {
                newerLeftOut.replace(sst.minHash(), sst.maxHash(), Boolean.TRUE);
                continue;
            }
            taken.addInt(i);
            bytes += sst.sizeBytes();
        }
        return taken;
    }

    private static DuplicationInfo orEmpty(DuplicationInfo info) {
        return info == null ? DuplicationInfo.EMPTY : info;
    }

    /** Marks {@code set} used and returns it oldest first. */
    private static int[] take(IntArrayList set, boolean[] used) {
        int[] segment = new int[set.size()];
        for (int i = 0; i < segment.length; i++) {
            int index = set.getInt(set.size() - 1 - i);
            used[index] = true;
            segment[i] = index;
        }
        return segment;
    }

    /** Ends a job: a merge if it is valid (returns 1), else a single segment of its start (returns 0). */
    private static int endJob(IntArrayList set, boolean valid, boolean[] used, List<int[]> segments, int startIndex) {
        if (valid) {
            segments.add(take(set, used));
            return 1;
        }
        segments.add(new int[] {startIndex});
        return 0;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
