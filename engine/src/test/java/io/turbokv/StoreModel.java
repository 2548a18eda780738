package io.turbokv;

import io.turbokv.ModelData.Filler;
import io.turbokv.ModelData.FillerStyle;
import io.turbokv.ModelData.KeyId;
import io.turbokv.ModelData.Tracked;
import io.turbokv.ModelData.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * What a store of two families, single-valued {@link #SINGLE} and multi-valued {@link #MULTI}, must answer: its
 * committed state as an immutable {@link Snapshot}, and the writes of the one batch being filled. Not thread-safe:
 * the test records each write on its own thread once the write has returned, in the order the writes were made.
 *
 * <p>The same-key rule of {@link WriteBatch}: in the single-valued family the last write of a key wins; in the
 * multi-valued family a delete removes the values of earlier batches only, so a key deleted by a batch is left with
 * exactly the values that batch adds, before or after the delete.
 */
final class StoreModel {
    static final int SINGLE = 0;
    static final int MULTI = 1;

    /**
     * A bulk write of fillers {@code [start, start + count)} of one style: puts of {@code size}-byte values (each
     * filler its own, derived from {@code generation} and its index), or deletes.
     *
     * @param batch the number of the commit that published it
     */
    record Layer(int batch, int family, FillerStyle style, int start, int count, boolean delete, int size,
                 long generation) {
        boolean covers(FillerStyle style, int index) {
            return this.style == style && index >= start && index - start < count;
        }

        Value value(int index) {
            return new Value(size, ModelData.mix(generation * 0x1_0000_0000L + index));
        }

        int end() {
            return start + count;
        }
    }

    /** One write of the open batch. */
    private sealed interface Pending permits PutTracked, DeleteTracked, Fill {}

    private record PutTracked(int family, int key, Value value) implements Pending {}

    private record DeleteTracked(int family, int key) implements Pending {}

    private record Fill(Layer layer) implements Pending {}

    private Snapshot committed = new Snapshot(0, Map.of(), Map.of(), List.of());
    private final List<Pending> pending = new ArrayList<>();

    /** The committed state. */
    Snapshot committed() {
        return committed;
    }

    /** Records a put of tracked key {@code key}. */
    void put(int family, int key, Value value) {
        pending.add(new PutTracked(family, key, value));
    }

    /** Records a delete of tracked key {@code key}. */
    void delete(int family, int key) {
        pending.add(new DeleteTracked(family, key));
    }

    /** Records a bulk write of fillers. */
    void fill(int family, FillerStyle style, int start, int count, boolean delete, int size, long generation) {
        pending.add(new Fill(new Layer(0, family, style, start, count, delete, size, generation)));
    }

    /** The batch was rolled back. */
    void abandon() {
        pending.clear();
    }

    /** The batch committed: its writes become the committed state. */
    Snapshot commit() {
        int batch = committed.version() + 1;
        Map<Integer, Value> single = new HashMap<>(committed.single);
        Map<Integer, List<Value>> multi = new HashMap<>(committed.multi);
        Set<Integer> deleted = new HashSet<>();
        Map<Integer, List<Value>> added = new HashMap<>();
        List<Layer> layers = new ArrayList<>(committed.layers);
        for (Pending write : pending) {
            switch (write) {
                case PutTracked p when p.family() == SINGLE -> single.put(p.key(), p.value());
                case DeleteTracked d when d.family() == SINGLE -> single.remove(d.key());
                case PutTracked p -> added.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p.value());
                case DeleteTracked d -> deleted.add(d.key());
                case Fill f -> layers.add(new Layer(batch, f.layer().family(), f.layer().style(), f.layer().start(),
                        f.layer().count(), f.layer().delete(), f.layer().size(), f.layer().generation()));
            }
        }
        deleted.forEach(multi::remove);
        added.forEach((key, values) -> {
            List<Value> merged = new ArrayList<>(multi.getOrDefault(key, List.of()));
            merged.addAll(values);
            merged.sort(null);
            multi.put(key, List.copyOf(merged));
        });
        pending.clear();
        committed = new Snapshot(batch, Map.copyOf(single), Map.copyOf(multi), List.copyOf(layers));
        return committed;
    }

    /**
     * An order-independent summary of a family's entries (key, value): the count and two sums of 64-bit entry
     * hashes. Two multisets of entries that differ give different fingerprints but with negligible probability.
     */
    static final class Fingerprint {
        private long count;
        private long valueBytes;
        private long sum;
        private long otherSum;

        void add(KeyId key, Value value) {
            long keyHash = switch (key) {
                case Tracked t -> ModelData.mix(t.index() + 1);
                case Filler f -> ModelData.mix(((long) f.style().ordinal() + 7) << 40 ^ f.index());
                case ModelData.Unknown u -> ModelData.mix(u.hex().hashCode() ^ 0x55L << 50);
            };
            long entry = ModelData.mix(keyHash * 31 + ModelData.mix(value.size() * 0x9E3779B97F4A7C15L ^ value.seed()));
            count++;
            valueBytes += value.size();
            sum += entry;
            otherSum += ModelData.mix(entry ^ 0x2545F4914F6CDD1DL);
        }

        boolean sameAs(Fingerprint other) {
            return count == other.count && sum == other.sum && otherSum == other.otherSum;
        }

        long count() {
            return count;
        }

        long valueBytes() {
            return valueBytes;
        }
    }

    /** An immutable committed state; {@code version} counts the commits that led to it. */
    static final class Snapshot {
        private final int version;
        private final Map<Integer, Value> single;
        private final Map<Integer, List<Value>> multi;
        private final List<Layer> layers;
        private final Fingerprint[] fingerprints = new Fingerprint[2];

        private Snapshot(int version, Map<Integer, Value> single, Map<Integer, List<Value>> multi,
                         List<Layer> layers) {
            this.version = version;
            this.single = single;
            this.multi = multi;
            this.layers = layers;
        }

        int version() {
            return version;
        }

        /** The value of tracked key {@code key} in the single-valued family, or null. */
        Value single(int key) {
            return single.get(key);
        }

        /** The values of tracked key {@code key} in the multi-valued family, sorted. */
        List<Value> multi(int key) {
            return multi.getOrDefault(key, List.of());
        }

        /** One past the highest filler index of {@code style} ever written in {@code family}. */
        int extent(int family, FillerStyle style) {
            int extent = 0;
            for (Layer layer : layers) {
                if (layer.family() == family && layer.style() == style) {
                    extent = Math.max(extent, layer.end());
                }
            }
            return extent;
        }

        /** The value of filler {@code index} in the single-valued family, or null: the last layer decides. */
        Value filler(FillerStyle style, int index) {
            for (int i = layers.size() - 1; i >= 0; i--) {
                Layer layer = layers.get(i);
                if (layer.family() == SINGLE && layer.covers(style, index)) {
                    return layer.delete() ? null : layer.value(index);
                }
            }
            return null;
        }

        /**
         * The values of filler {@code index} in the multi-valued family, sorted: those of every put since the
         * batch of the last delete, that batch included.
         */
        List<Value> fillerValues(FillerStyle style, int index) {
            int deletedBy = 0;
            for (Layer layer : layers) {
                if (layer.family() == MULTI && layer.delete() && layer.covers(style, index)) {
                    deletedBy = layer.batch();
                }
            }
            List<Value> values = new ArrayList<>();
            for (Layer layer : layers) {
                if (layer.family() == MULTI && !layer.delete() && layer.batch() >= deletedBy
                        && layer.covers(style, index)) {
                    values.add(layer.value(index));
                }
            }
            values.sort(null);
            return values;
        }

        /** Hands every entry of {@code family} to {@code entries}, in no particular order. */
        void forEachEntry(int family, BiConsumer<KeyId, Value> entries) {
            if (family == SINGLE) {
                single.forEach((key, value) -> entries.accept(new Tracked(key), value));
            } else {
                multi.forEach((key, values) -> values.forEach(value -> entries.accept(new Tracked(key), value)));
            }
            for (FillerStyle style : FillerStyle.values()) {
                int extent = extent(family, style);
                for (int index = 0; index < extent; index++) {
                    Filler filler = new Filler(style, index);
                    if (family == SINGLE) {
                        Value value = filler(style, index);
                        if (value != null) {
                            entries.accept(filler, value);
                        }
                    } else {
                        for (Value value : fillerValues(style, index)) {
                            entries.accept(filler, value);
                        }
                    }
                }
            }
        }

        /** The fingerprint of every entry of {@code family} (computed once). */
        synchronized Fingerprint fingerprint(int family) {
            if (fingerprints[family] == null) {
                Fingerprint fingerprint = new Fingerprint();
                forEachEntry(family, fingerprint::add);
                fingerprints[family] = fingerprint;
            }
            return fingerprints[family];
        }

        /**
         * What scanning both families costs, roughly, in entries: each entry counts one, each 256 value bytes one
         * more.
         */
        long scanWeight() {
            long weight = 0;
            for (int family = 0; family < 2; family++) {
                weight += fingerprint(family).count() + fingerprint(family).valueBytes() / 256;
            }
            return weight;
        }

        /** Every entry of {@code family}, each key's values sorted: for reports, when a fingerprint differs. */
        Map<String, List<Value>> entries(int family) {
            Map<String, List<Value>> entries = new TreeMap<>();
            forEachEntry(family, (key, value) -> entries.computeIfAbsent(key.toString(), k -> new ArrayList<>())
                    .add(value));
            entries.values().forEach(values -> values.sort(null));
            return entries;
        }

        @Override
        public String toString() {
            return "commit " + version;
        }
    }
}
