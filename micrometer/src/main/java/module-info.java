/**
 * A Micrometer binder of a TurboKV store's statistics: {@link io.turbokv.micrometer.TurboKvMetrics}.
 */
// micrometer-core ships no module descriptor: it is the automatic module micrometer.core (its manifest names it).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.turbokv.micrometer {
    requires transitive io.turbokv;
    requires transitive micrometer.core;

    exports io.turbokv.micrometer;
}
