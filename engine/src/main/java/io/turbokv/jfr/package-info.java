/**
 * The store's JDK Flight Recorder events, all in the category {@code TurboKV}: {@link io.turbokv.jfr.CommitEvent}
 * ({@code io.turbokv.Commit}), {@link io.turbokv.jfr.SpillEvent} ({@code io.turbokv.Spill}),
 * {@link io.turbokv.jfr.CompactionEvent} ({@code io.turbokv.Compaction}), {@code SlowGetEvent}
 * ({@code io.turbokv.SlowGet}, a point read over the store's threshold, emitted through
 * {@link io.turbokv.jfr.SlowGets}, whose gate keeps reads under the threshold free of allocation), and the sampled
 * {@code BlockCacheFillEvent} and {@code BlockCacheEvictEvent} ({@code io.turbokv.BlockCacheFill},
 * {@code io.turbokv.BlockCacheEvict}, emitted through {@link io.turbokv.jfr.CacheEvents}). The hot-path events
 * are gated by static flags ({@code EventGates}) that a {@code FlightRecorderListener} keeps. Each class
 * documents its fields. All are enabled by default, so any recording holds them. Recorded with
 * {@code -XX:StartFlightRecording} or a {@code jdk.jfr.consumer.RecordingStream}, printed with
 * {@code jfr print --categories TurboKV rec.jfr}.
 *
 * <p>Depends on the JDK ({@code jdk.jfr}) only; nothing of the engine.
 */
package io.turbokv.jfr;
