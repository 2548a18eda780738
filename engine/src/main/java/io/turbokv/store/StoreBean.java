package io.turbokv.store;

import io.turbokv.Statistics;
import io.turbokv.StoreMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanRegistrationException;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;

/**
 * The {@link StoreMXBean} of one open store, registered with the platform MBean server for as long as the store is
 * open. Each attribute takes a fresh {@link Statistics} snapshot (cheap: striped counters).
 */
final class StoreBean implements StoreMXBean {
    private static final System.Logger LOG = System.getLogger("io.turbokv");
    /** Tells apart the instances of one directory. */
    private static final AtomicLong IDS = new AtomicLong();

    private final StoreCore core;
    private final ObjectName name;

    private StoreBean(StoreCore core, ObjectName name) {
        this.core = core;
        this.name = name;
    }

    /**
     * Registers the bean of {@code core}.
     *
     * @param core      the open store
     * @param directory its directory, or null for an in-memory store
     * @return the registered bean, which {@link #unregister()} removes, or null when the platform MBean server
     *         refused it (logged: a store does not fail to open over its monitoring)
     */
    static StoreBean register(StoreCore core, Path directory) {
        try {
            ObjectName name = new ObjectName("io.turbokv:type=Store,directory="
                    + ObjectName.quote(String.valueOf(directory)) + ",id=" + IDS.incrementAndGet());
            StoreBean bean = new StoreBean(core, name);
            ManagementFactory.getPlatformMBeanServer().registerMBean(bean, name);
            return bean;
        } catch (InstanceAlreadyExistsException | MBeanRegistrationException | NotCompliantMBeanException
                | MalformedObjectNameException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot register the MXBean of the store in " + directory
                    + "; the store opens without it", e);
            return null;
        }
    }

    /** Removes the bean from the platform MBean server; a failure is only logged (the store closes anyway). */
    void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // unregistered by someone else: nothing left to do
        } catch (JMException e) {
            LOG.log(System.Logger.Level.WARNING, "could not unregister " + name, e);
        }
    }

    private Statistics statistics() {
        return core.statistics();
    }

    @Override
    public String getDirectory() {
        return String.valueOf(core.directory());
    }

    @Override
    public boolean isReadOnly() {
        return core.isReadOnly();
    }

    @Override
    public boolean isUnrecoverableWriteError() {
        return core.hasUnrecoverableWriteError();
    }

    @Override
    public long getCommittedSequence() {
        return core.committedSequence();
    }

    @Override
    public int getMetaFiles() {
        return statistics().metaFiles();
    }

    @Override
    public int getSstFiles() {
        return statistics().sstFiles();
    }

    @Override
    public long getHits() {
        return statistics().hits();
    }

    @Override
    public long getMisses() {
        return statistics().misses();
    }

    @Override
    public long getDeletedHits() {
        return statistics().deletedHits();
    }

    @Override
    public long getValueHits() {
        return statistics().valueHits();
    }

    @Override
    public long getBlobHits() {
        return statistics().blobHits();
    }

    @Override
    public long getFamilyMisses() {
        return statistics().familyMisses();
    }

    @Override
    public long getRangeMisses() {
        return statistics().rangeMisses();
    }

    @Override
    public long getFilterMisses() {
        return statistics().filterMisses();
    }

    @Override
    public long getKeyMisses() {
        return statistics().keyMisses();
    }

    @Override
    public double getKeyBlockCacheHitRate() {
        return statistics().keyBlockCache().hitRate();
    }

    @Override
    public double getKeyBlockCacheFill() {
        return statistics().keyBlockCache().fill();
    }

    @Override
    public int getKeyBlockCacheItems() {
        return statistics().keyBlockCache().items();
    }

    @Override
    public long getKeyBlockCacheCapacityBytes() {
        return statistics().keyBlockCache().capacityBytes();
    }

    @Override
    public double getValueBlockCacheHitRate() {
        return statistics().valueBlockCache().hitRate();
    }

    @Override
    public double getValueBlockCacheFill() {
        return statistics().valueBlockCache().fill();
    }

    @Override
    public int getValueBlockCacheItems() {
        return statistics().valueBlockCache().items();
    }

    @Override
    public long getValueBlockCacheCapacityBytes() {
        return statistics().valueBlockCache().capacityBytes();
    }

    @Override
    public long getWriteBufferPoolBytes() {
        return statistics().writeBufferPoolBytes();
    }

    @Override
    public long getWriteBufferReserveBytes() {
        return statistics().writeBufferReserveBytes();
    }
}
