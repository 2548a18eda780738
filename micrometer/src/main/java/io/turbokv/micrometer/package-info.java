/**
 * Micrometer metrics of a TurboKV store: {@link io.turbokv.micrometer.TurboKvMetrics}, a {@code MeterBinder} over
 * {@code TurboKV.statistics()}. An optional module: it depends on the engine and {@code micrometer-core} only.
 */
package io.turbokv.micrometer;
