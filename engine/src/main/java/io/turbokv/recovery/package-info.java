/**
 * Opening a store directory ({@link io.turbokv.recovery.StoreOpener}): creation (its {@code SCHEMA}, then
 * {@code CURRENT}), the directory lock, the check of the declared families against the recorded ones
 * ({@link io.turbokv.recovery.StoreSchemas}), the cleanup of a write that never committed and of pending deletions,
 * and the load of the committed state; for a read-only open, the mapping of every live file.
 *
 * <p>Depends on {@code io.turbokv.version}, {@code io.turbokv.read}, {@code io.turbokv.io} and the API package's
 * leaf types (its exceptions and family types).
 */
package io.turbokv.recovery;
