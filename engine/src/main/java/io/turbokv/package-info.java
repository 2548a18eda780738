/**
 * TurboKV's public API: the store, its configuration, write batches, read scopes, what they report, and the
 * exceptions a caller sees. Every type here is public; nothing else lives here.
 *
 * <p>The subpackages are the engine's internals, each owning one concept: store states ({@code version}), the read
 * path ({@code read}), the write path ({@code write}), the commit protocol ({@code commit}), opening a store
 * ({@code recovery}), an open store's parts and their lifetime ({@code store}), compaction, the caches and each file format. This package's facades ({@link TurboKV},
 * {@link WriteBatch}, {@link ReadScope}) depend on them; they depend on this package only for its leaf types, the
 * exceptions and the immutable values (families, statistics) that depend on nothing of the engine.
 */
package io.turbokv;
