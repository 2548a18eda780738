/**
 * Store states and their lifetimes: what readers see of a store ({@link io.turbokv.version.StoreState}: its live
 * meta files, each a {@link io.turbokv.version.LiveMeta} with its live SSTs, each an
 * {@link io.turbokv.version.SstSlot} that maps its file on first use), which SSTs of which meta files are live
 * ({@link io.turbokv.version.SstFilter}), and the publication of each new state to readers with the release of what
 * the old ones held once no reader can reach it ({@link io.turbokv.version.VersionTracker}).
 *
 * <p>Depends on {@code io.turbokv.meta}, {@code io.turbokv.sst}, {@code io.turbokv.filter} (checks of the filters a
 * meta file holds), {@code io.turbokv.io} and {@code io.turbokv.CorruptionException}.
 */
package io.turbokv.version;
