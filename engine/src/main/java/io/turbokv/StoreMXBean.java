package io.turbokv;

/**
 * A store's statistics as a JMX MXBean, registered while the store is open when its configuration asks for it
 * ({@link DbConfig.Builder#jmx}), under the name {@code io.turbokv:type=Store,directory="<directory>",id=<n>}
 * ({@code id} tells apart several instances of one directory, such as read-only opens). Every attribute is read
 * when asked, from the same counters as {@link TurboKV#statistics()} (whose Javadoc defines the lookup counters),
 * without a lock readers wait for. Read-only: no operation changes the store.
 */
public interface StoreMXBean {
    /** {@return the store's directory} */
    String getDirectory();

    /** {@return whether the instance refuses writes} */
    boolean isReadOnly();

    /** {@return whether a rollback failed, so that the store refuses all further writes} */
    boolean isUnrecoverableWriteError();

    /** {@return the sequence number of the last commit, in {@code CURRENT}} */
    long getCommittedSequence();

    /** {@return the live meta files} */
    int getMetaFiles();

    /** {@return the live SST files} */
    int getSstFiles();

    /** {@return keys found since the open} */
    long getHits();

    /** {@return keys no SST knew} */
    long getMisses();

    /** {@return keys decided by a tombstone alone} */
    long getDeletedHits();

    /** {@return keys found with a value stored in an SST} */
    long getValueHits();

    /** {@return keys found whose values are all in blob files} */
    long getBlobHits();

    /** {@return meta files skipped as another family's} */
    long getFamilyMisses();

    /** {@return SSTs skipped by their hash range} */
    long getRangeMisses();

    /** {@return SSTs skipped by their key filter} */
    long getFilterMisses();

    /** {@return SSTs searched that did not hold the key (key-filter false positives)} */
    long getKeyMisses();

    /** {@return the key-block cache's hits over lookups, 0 before the first lookup} */
    double getKeyBlockCacheHitRate();

    /** {@return the key-block cache's charged bytes over its capacity} */
    double getKeyBlockCacheFill();

    /** {@return the key blocks resident in the cache} */
    int getKeyBlockCacheItems();

    /** {@return the key-block cache's capacity in bytes} */
    long getKeyBlockCacheCapacityBytes();

    /** {@return the value-block cache's hits over lookups, 0 before the first lookup} */
    double getValueBlockCacheHitRate();

    /** {@return the value-block cache's charged bytes over its capacity} */
    double getValueBlockCacheFill();

    /** {@return the value blocks resident in the cache} */
    int getValueBlockCacheItems();

    /** {@return the value-block cache's capacity in bytes} */
    long getValueBlockCacheCapacityBytes();

    /** {@return native memory of the free write buffers the store keeps for its next batches (0 read-only)} */
    long getWriteBufferPoolBytes();

    /**
     * {@return native memory the store's shared write buffer reserve holds now} 0 without one, for a read-only
     * store, for a reserve of less than 16 KiB, and where native access is not enabled for {@code io.turbokv.ffm}
     * (see {@link Statistics#writeBufferReserveBytes()}).
     */
    long getWriteBufferReserveBytes();
}
