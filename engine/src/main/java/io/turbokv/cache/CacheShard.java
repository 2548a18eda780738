package io.turbokv.cache;

import io.turbokv.jfr.CacheEvents;
import java.util.Arrays;
import org.agrona.collections.Long2LongHashMap;

/**
 * One shard of a {@link BlockCache}: an index from block key to entry, the entries' slots, and the S3-FIFO queues
 * that choose victims (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023; quick_cache,
 * which the Rust original uses, is S3-FIFO-like).
 *
 * <p><b>Policy.</b> A new block enters the small FIFO, which holds about a tenth of the shard's bytes, unless its
 * key is in the ghost FIFO (keys recently evicted from the small FIFO), in which case it enters the main FIFO. A hit
 * raises the entry's 2-bit frequency (at most {@value #MAX_FREQUENCY}). Eviction takes from the small FIFO while it
 * is over its share: an entry hit there since it was inserted moves to the main FIFO, any other is evicted and its
 * key remembered in the ghost FIFO. Otherwise it takes from the main FIFO like CLOCK: an entry with a frequency
 * above zero is reinserted with the frequency lowered, one with zero is evicted. One-hit wonders (a scan) pass
 * through the small FIFO without displacing the main FIFO's working set.
 *
 * <p><b>Entries</b> are struct-of-arrays indexed by an {@code int} id, so a hit touches no object but the chunk
 * holding the block. The index is an Agrona {@link Long2LongHashMap} (no boxing). A block being loaded has an entry
 * in state {@code LOADING} and a {@link Flight}: other readers that miss on it wait for that flight instead of
 * decompressing the block again (single-flight).
 *
 * <p><b>Bytes.</b> Each entry is charged its slot size (the memory it really holds, at least its length); the
 * shard evicts until live and loading slots fit its capacity. The {@code weight} statistic is the seed's measure,
 * {@code length + 8} per block.
 *
 * <p>Thread-safe: every method holds this shard's monitor; {@link SlabAllocator} is entered only from inside it.
 */
final class CacheShard {
    static final int HIT = 0;
    static final int RESERVED = 1;
    static final int BYPASS = 2;
    static final int WAIT = 3;

    static final int MAX_FREQUENCY = 3;
    /** An entry of the small FIFO with a frequency above this moves to the main FIFO instead of being evicted. */
    static final int PROMOTE_ABOVE = 0;
    private static final byte FREE = 0;
    private static final byte SMALL = 1;
    private static final byte MAIN = 2;
    private static final byte LOADING = 3;
    private static final int FLIGHTS = 16;
    private static final int MIN_GHOSTS = 64;
    private static final long MISSING = -1;

    /** The cache's name, for the sampled JFR events. */
    private final String name;
    private final long capacityBytes;
    private final long smallTargetBytes;
    private final int maxBlockBytes;
    private final SlabAllocator allocator;
    private final Readers readers;
    private final int cell;
    private final Long2LongHashMap keyToEntry = new Long2LongHashMap(64, 0.6f, MISSING);

    private long[] keys = new long[64];
    private int[] lengths = new int[64];
    private SlabAllocator.Chunk[] chunks = new SlabAllocator.Chunk[64];
    private int[] offsets = new int[64];
    private byte[] states = new byte[64];
    private byte[] frequencies = new byte[64];
    private byte[] flightOf = new byte[64];
    private int[] freeEntries = new int[64];
    private int freeEntryCount;
    private int entryHighWater;

    private final IntRing small = new IntRing();
    private final IntRing main = new IntRing();
    private long smallBytes;
    private long mainBytes;
    private long loadingBytes;
    private long weightBytes;

    private final Long2LongHashMap ghostKeyToSerial = new Long2LongHashMap(64, 0.6f, MISSING);
    private long[] ghostRing = new long[MIN_GHOSTS];
    private long ghostSerial;
    private int ghostCount;

    /** Fills and evictions so far, which pick the ones the JFR events sample. */
    private long fills;
    private long evictions;

    private final Flight[] flights = new Flight[FLIGHTS];
    private final int[] freeFlights = new int[FLIGHTS];
    private int freeFlightCount = FLIGHTS;

    CacheShard(String name, long capacityBytes, int maxBlockBytes, SlabAllocator allocator, Readers readers,
               int cell) {
        this.name = name;
        this.readers = readers;
        this.cell = cell;
        this.capacityBytes = capacityBytes;
        this.smallTargetBytes = Math.max(1, capacityBytes / 10);
        this.maxBlockBytes = maxBlockBytes;
        this.allocator = allocator;
        for (int i = 0; i < FLIGHTS; i++) {
            flights[i] = new Flight();
            freeFlights[i] = i;
        }
    }

    /**
     * Looks {@code key} up. {@link #HIT}: {@code handle} points at the block. {@link #RESERVED}: a slot for
     * {@code length} bytes is reserved and {@code handle} points at it; the caller loads the block and calls
     * {@link #publish} or {@link #abandon}. {@link #WAIT}: another reader is loading it; {@code handle} names the
     * flight to wait for. {@link #BYPASS}: the caller reads around the cache (block too large, memory short).
     */
    synchronized int lookup(long key, int length, CacheHandle handle) {
        long found = keyToEntry.get(key);
        if (found != MISSING) {
            int entry = (int) found;
            if (states[entry] == LOADING) {
                Flight flight = flights[flightOf[entry]];
                handle.flight = flight;
                handle.flightGeneration = flight.generation;
                return WAIT;
            }
            if (frequencies[entry] < MAX_FREQUENCY) {
                frequencies[entry]++;
            }
            SlabAllocator.Chunk chunk = chunks[entry];
            // announced before the monitor is released, so an eviction (under this monitor) cannot miss it
            readers.announce(handle.reader, cell, SlabAllocator.slot(chunk.id, offsets[entry]));
            handle.hit(chunk.memory, offsets[entry], lengths[entry]);
            return HIT;
        }
        if (length > maxBlockBytes || length <= 0 || freeFlightCount == 0) {
            return BYPASS;
        }
        int sizeClass = SlabAllocator.classOf(length);
        long charge = SlabAllocator.slotBytes(sizeClass);
        while (smallBytes + mainBytes + loadingBytes + charge > capacityBytes) {
            if (!evictOne()) {
                return BYPASS;
            }
        }
        long slot = allocator.allocate(sizeClass);
        if (slot == SlabAllocator.NO_SLOT) {
            return BYPASS;
        }
        SlabAllocator.Chunk chunk = allocator.chunk(slot);
        int entry = newEntry();
        keys[entry] = key;
        lengths[entry] = length;
        chunks[entry] = chunk;
        offsets[entry] = SlabAllocator.offsetOf(slot);
        states[entry] = LOADING;
        frequencies[entry] = 0;
        flightOf[entry] = (byte) freeFlights[--freeFlightCount];
        loadingBytes += charge;
        keyToEntry.put(key, entry);
        handle.reserve(this, entry, key);
        handle.hit(chunk.memory, offsets[entry], length);
        return RESERVED;
    }

    /** Makes the block the caller loaded into its reservation visible to readers, and wakes the waiters. */
    synchronized void publish(CacheHandle handle) {
        int entry = handle.entry;
        long charge = charge(entry);
        loadingBytes -= charge;
        long serial = ghostKeyToSerial.remove(keys[entry]);
        if (serial != MISSING) {
            states[entry] = MAIN;
            main.add(entry);
            mainBytes += charge;
        } else {
            states[entry] = SMALL;
            small.add(entry);
            smallBytes += charge;
        }
        weightBytes += lengths[entry] + 8L;
        land(entry);
        handle.clearReservation();
        if (++fills % CacheEvents.SAMPLE_EVERY == 0 && CacheEvents.fillsWanted()) {
            CacheEvents.fill(name, BlockCache.storeOf(keys[entry]), lengths[entry], states[entry] == MAIN);
        }
    }

    /** Gives up the caller's reservation (its load failed): the slot is freed at once, the waiters retry. */
    synchronized void abandon(CacheHandle handle) {
        int entry = handle.entry;
        loadingBytes -= charge(entry);
        keyToEntry.remove(keys[entry]);
        allocator.free(chunks[entry], offsets[entry]);
        land(entry);
        freeEntry(entry);
        handle.clearReservation();
    }

    /** Evicts every resident block (blocks being loaded stay); their memory is recycled once readers left. */
    synchronized void clear() {
        while (small.size() > 0) {
            int entry = small.poll();
            smallBytes -= charge(entry);
            remove(entry);
        }
        while (main.size() > 0) {
            int entry = main.poll();
            mainBytes -= charge(entry);
            remove(entry);
        }
        ghostKeyToSerial.clear();
        ghostCount = 0;
    }

    /**
     * Evicts every resident block of store {@code store} (the top 16 bits of its keys); their memory is recycled once
     * readers left. {@return the store's blocks being loaded, which stay}
     */
    synchronized int evict(int store) {
        int loading = 0;
        for (int entry = 0; entry < entryHighWater; entry++) {
            if (states[entry] == LOADING && BlockCache.storeOf(keys[entry]) == store) {
                loading++;
            }
        }
        smallBytes -= evictFrom(small, store);
        mainBytes -= evictFrom(main, store);
        return loading;
    }

    /** Removes the entries of {@code store} from {@code queue}, keeping the others in order; returns their charge. */
    private long evictFrom(IntRing queue, int store) {
        long freed = 0;
        for (int n = queue.size(); n > 0; n--) {
            int entry = queue.poll();
            if (BlockCache.storeOf(keys[entry]) == store) {
                freed += charge(entry);
                remove(entry);
            } else {
                queue.add(entry);
            }
        }
        return freed;
    }

    synchronized int items() {
        return small.size() + main.size();
    }

    /** The seed's weight of the resident blocks: {@code length + 8} each. */
    synchronized long weightBytes() {
        return weightBytes;
    }

    /** Slot bytes charged to resident and loading blocks. */
    synchronized long chargedBytes() {
        return smallBytes + mainBytes + loadingBytes;
    }

    private long charge(int entry) {
        return SlabAllocator.slotBytes(chunks[entry].sizeClass);
    }

    private void land(int entry) {
        int flight = flightOf[entry];
        flights[flight].generation++;
        freeFlights[freeFlightCount++] = flight;
    }

    /** Evicts one resident block; false when there is none (everything is loading). */
    private boolean evictOne() {
        while (true) {
            if (small.size() > 0 && (smallBytes >= smallTargetBytes || main.size() == 0)) {
                int entry = small.poll();
                long charge = charge(entry);
                smallBytes -= charge;
                if (frequencies[entry] > PROMOTE_ABOVE) {
                    frequencies[entry] = 0;
                    states[entry] = MAIN;
                    main.add(entry);
                    mainBytes += charge;
                    continue;
                }
                remember(keys[entry]);
                sampleEviction(entry, false);
                remove(entry);
                return true;
            } else if (main.size() > 0) {
                int entry = main.poll();
                if (frequencies[entry] > 0) {
                    frequencies[entry]--;
                    main.add(entry);
                    continue;
                }
                mainBytes -= charge(entry);
                sampleEviction(entry, true);
                remove(entry);
                return true;
            } else {
                return false;
            }
        }
    }

    private void sampleEviction(int entry, boolean fromMain) {
        if (++evictions % CacheEvents.SAMPLE_EVERY == 0 && CacheEvents.evictionsWanted()) {
            CacheEvents.evict(name, BlockCache.storeOf(keys[entry]), lengths[entry], fromMain);
        }
    }

    private void remove(int entry) {
        keyToEntry.remove(keys[entry]);
        weightBytes -= lengths[entry] + 8L;
        allocator.retire(chunks[entry], offsets[entry]);
        freeEntry(entry);
    }

    /** Adds a key evicted from the small FIFO to the ghost FIFO, which remembers as many keys as are resident. */
    private void remember(long key) {
        int limit = Math.max(MIN_GHOSTS, small.size() + main.size());
        if (ghostRing.length < limit) {
            long[] grown = new long[Integer.highestOneBit(limit - 1) << 1];
            for (int i = 0; i < ghostCount; i++) {
                grown[(int) ((ghostSerial - ghostCount + i) & (grown.length - 1))] =
                        ghostRing[(int) ((ghostSerial - ghostCount + i) & (ghostRing.length - 1))];
            }
            ghostRing = grown;
        }
        while (ghostCount >= limit) {
            long oldestSerial = ghostSerial - ghostCount;
            long oldest = ghostRing[(int) (oldestSerial & (ghostRing.length - 1))];
            if (ghostKeyToSerial.get(oldest) == oldestSerial) {
                ghostKeyToSerial.remove(oldest);
            }
            ghostCount--;
        }
        ghostRing[(int) (ghostSerial & (ghostRing.length - 1))] = key;
        ghostKeyToSerial.put(key, ghostSerial);
        ghostSerial++;
        ghostCount++;
    }

    private int newEntry() {
        if (freeEntryCount > 0) {
            return freeEntries[--freeEntryCount];
        }
        if (entryHighWater == keys.length) {
            int n = keys.length * 2;
            keys = Arrays.copyOf(keys, n);
            lengths = Arrays.copyOf(lengths, n);
            chunks = Arrays.copyOf(chunks, n);
            offsets = Arrays.copyOf(offsets, n);
            states = Arrays.copyOf(states, n);
            frequencies = Arrays.copyOf(frequencies, n);
            flightOf = Arrays.copyOf(flightOf, n);
            freeEntries = Arrays.copyOf(freeEntries, n);
        }
        return entryHighWater++;
    }

    private void freeEntry(int entry) {
        states[entry] = FREE;
        chunks[entry] = null;
        freeEntries[freeEntryCount++] = entry;
    }

    /** A load in progress; its generation advances when the load is published or abandoned. */
    static final class Flight {
        volatile long generation;
    }

    /** A growable FIFO of entry ids. */
    private static final class IntRing {
        private int[] ids = new int[64];
        private int head;
        private int count;

        int size() {
            return count;
        }

        void add(int id) {
            if (count == ids.length) {
                int[] grown = new int[ids.length * 2];
                for (int i = 0; i < count; i++) {
                    grown[i] = ids[(head + i) & (ids.length - 1)];
                }
                ids = grown;
                head = 0;
            }
            ids[(head + count) & (ids.length - 1)] = id;
            count++;
        }

        int poll() {
            int id = ids[head];
            head = (head + 1) & (ids.length - 1);
            count--;
            return id;
        }
    }
}
