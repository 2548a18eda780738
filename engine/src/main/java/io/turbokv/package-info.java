/**
 * TurboKV's public API: the store, its configuration, write batches, read scopes and the exceptions a caller sees.
 *
 * <p>Everything a user touches lives here; the subpackages are the engine's internals, each owning one concept
 * (a file format, the caches, compaction, the write path). This package may depend on all of them; none of them
 * depends on this package except for its exception types ({@link io.turbokv.CorruptionException}).
 */
package io.turbokv;
