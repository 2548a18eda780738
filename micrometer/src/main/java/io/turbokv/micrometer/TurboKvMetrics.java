package io.turbokv.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.turbokv.CacheStatistics;
import io.turbokv.Statistics;
import io.turbokv.StoreClosedException;
import io.turbokv.TurboKV;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Binds a store's {@link TurboKV#statistics()} to a Micrometer {@link MeterRegistry}, every meter tagged
 * {@code store} (the directory, or {@code in-memory}) and with the tags given:
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code turbokv.gets}</td><td>function counter</td><td>{@code result}: {@code value}, {@code blob},
 *     {@code deleted}, {@code miss}</td><td>point lookups by outcome (a {@code batchGet} counts one per key)</td></tr>
 * <tr><td>{@code turbokv.sst.skips}</td><td>function counter</td><td>{@code reason}: {@code family},
 *     {@code range}, {@code filter}, {@code key}</td><td>meta files of another family, and SSTs ruled out by their
 *     hash range, their key filter, or their key block, while looking up</td></tr>
 * <tr><td>{@code turbokv.files}</td><td>gauge</td><td>{@code kind}: {@code meta}, {@code sst}</td><td>live
 *     files</td></tr>
 * <tr><td>{@code turbokv.write.buffers}</td><td>gauge, bytes</td><td>{@code holder}: {@code store} (the free
 *     write buffers the store keeps for its next batches), {@code reserve} (what its {@code WriteBufferReserve}
 *     holds, shared with the other stores using it; 0 without one)</td><td>native memory of idle write
 *     buffers</td></tr>
 * <tr><td>{@code turbokv.cache.gets}</td><td>function counter</td><td>{@code cache}: {@code key-blocks},
 *     {@code value-blocks}; {@code result}: {@code hit}, {@code miss}</td><td>block-cache lookups (only
 *     compressed blocks are cached)</td></tr>
 * <tr><td>{@code turbokv.cache.bypasses}</td><td>function counter</td><td>{@code cache}</td><td>misses read around
 *     the cache (block too large, memory short)</td></tr>
 * <tr><td>{@code turbokv.cache.items}</td><td>gauge</td><td>{@code cache}</td><td>blocks resident</td></tr>
 * <tr><td>{@code turbokv.cache.size}</td><td>gauge, bytes</td><td>{@code cache}, {@code measure}:
 *     {@code charged} (slot memory of resident and loading blocks, which the capacity bounds), {@code reserved}
 *     (off-heap memory the cache holds), {@code capacity}</td><td>the cache's memory</td></tr>
 * </table>
 *
 * <p>A store sharing a {@code SharedBlockCache} reports its own cache gets with the shared cache's items and
 * memory. Meters read one statistics snapshot, taken at most once a second ({@link #SNAPSHOT_MILLIS}), so a
 * scrape costs one snapshot; once the store is closed (and the last snapshot a second old) they read {@code NaN}.
 * Bind once per store and registry.
 *
 * <pre>{@code
 * new TurboKvMetrics(db, Tags.of("app", "orders")).bindTo(registry);
 * }</pre>
 */
public final class TurboKvMetrics implements MeterBinder {
    /** How long, in milliseconds, the meters of one store reuse a statistics snapshot. */
    public static final long SNAPSHOT_MILLIS = 1000;

    private final TurboKV db;
    private final Tags tags;
    private volatile Snapshot last;

    private record Snapshot(long takenAt, Statistics statistics) {}

    /**
     * A binder of {@code db}'s statistics.
     *
     * @param db   the store
     * @param tags tags added to every meter, besides {@code store}
     */
    public TurboKvMetrics(TurboKV db, Iterable<Tag> tags) {
        this.db = Objects.requireNonNull(db, "db");
        this.tags = Tags.of(tags).and("store", db.directory() == null ? "in-memory" : db.directory().toString());
    }

    /**
     * A binder of {@code db}'s statistics, with the {@code store} tag alone.
     *
     * @param db the store
     */
    public TurboKvMetrics(TurboKV db) {
        this(db, Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "turbokv.gets", "Point lookups by outcome", Tags.of("result", "value"),
                Statistics::valueHits);
        counter(registry, "turbokv.gets", "Point lookups by outcome", Tags.of("result", "blob"), Statistics::blobHits);
        counter(registry, "turbokv.gets", "Point lookups by outcome", Tags.of("result", "deleted"),
                Statistics::deletedHits);
        counter(registry, "turbokv.gets", "Point lookups by outcome", Tags.of("result", "miss"), Statistics::misses);
        String skips = "Meta files and SSTs a lookup skipped, by reason";
        counter(registry, "turbokv.sst.skips", skips, Tags.of("reason", "family"), Statistics::familyMisses);
        counter(registry, "turbokv.sst.skips", skips, Tags.of("reason", "range"), Statistics::rangeMisses);
        counter(registry, "turbokv.sst.skips", skips, Tags.of("reason", "filter"), Statistics::filterMisses);
        counter(registry, "turbokv.sst.skips", skips, Tags.of("reason", "key"), Statistics::keyMisses);
        gauge(registry, "turbokv.files", "Live files", Tags.of("kind", "meta"), null, Statistics::metaFiles);
        gauge(registry, "turbokv.files", "Live files", Tags.of("kind", "sst"), null, Statistics::sstFiles);
        String buffers = "Native memory of idle write buffers";
        gauge(registry, "turbokv.write.buffers", buffers, Tags.of("holder", "store"), BaseUnits.BYTES,
                Statistics::writeBufferPoolBytes);
        gauge(registry, "turbokv.write.buffers", buffers, Tags.of("holder", "reserve"), BaseUnits.BYTES,
                Statistics::writeBufferReserveBytes);
        bindCache(registry, "key-blocks", Statistics::keyBlockCache);
        bindCache(registry, "value-blocks", Statistics::valueBlockCache);
    }

    private void bindCache(MeterRegistry registry, String name, Function<Statistics, CacheStatistics> cache) {
        Tags ofCache = Tags.of("cache", name);
        counter(registry, "turbokv.cache.gets", "Block-cache lookups", ofCache.and("result", "hit"),
                s -> cache.apply(s).hits());
        counter(registry, "turbokv.cache.gets", "Block-cache lookups", ofCache.and("result", "miss"),
                s -> cache.apply(s).misses());
        counter(registry, "turbokv.cache.bypasses", "Block-cache misses read around the cache", ofCache,
                s -> cache.apply(s).bypasses());
        gauge(registry, "turbokv.cache.items", "Blocks resident", ofCache, null, s -> cache.apply(s).items());
        String size = "Block-cache memory";
        gauge(registry, "turbokv.cache.size", size, ofCache.and("measure", "charged"), BaseUnits.BYTES,
                s -> cache.apply(s).chargedBytes());
        gauge(registry, "turbokv.cache.size", size, ofCache.and("measure", "reserved"), BaseUnits.BYTES,
                s -> cache.apply(s).reservedBytes());
        gauge(registry, "turbokv.cache.size", size, ofCache.and("measure", "capacity"), BaseUnits.BYTES,
                s -> cache.apply(s).capacityBytes());
    }

    private void counter(MeterRegistry registry, String name, String description, Tags extra,
                         ToDoubleFunction<Statistics> value) {
        // The registry holds a meter's state object weakly: the store, which its user holds while it is open, and
        // not this binder, which an application drops right after bindTo (its meters would read 0 after a GC)
        FunctionCounter.builder(name, db, store -> read(value)).description(description)
                .tags(tags.and(extra)).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, Tags extra, String baseUnit,
                       ToDoubleFunction<Statistics> value) {
        Gauge.builder(name, db, store -> read(value)).description(description).baseUnit(baseUnit)
                .tags(tags.and(extra)).register(registry);
    }

    /** {@code value} of the current snapshot, or {@code NaN} once the store is closed. */
    private double read(ToDoubleFunction<Statistics> value) {
        long now = System.nanoTime();
        Snapshot snapshot = last;
        if (snapshot == null || now - snapshot.takenAt() > SNAPSHOT_MILLIS * 1_000_000) {
            try {
                snapshot = new Snapshot(now, db.statistics());
            } catch (StoreClosedException e) {
                return Double.NaN;
            }
            last = snapshot;
        }
        return value.applyAsDouble(snapshot.statistics());
    }
}
