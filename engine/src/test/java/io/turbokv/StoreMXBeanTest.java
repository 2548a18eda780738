package io.turbokv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Set;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DbConfig.Builder#jmx}: the store's statistics through the platform MBean server, for as long as it is open. */
class StoreMXBeanTest {
    @TempDir
    Path dir;

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private Set<ObjectName> beansOf(Path store) throws Exception {
        return server.queryNames(new ObjectName("io.turbokv:type=Store,directory=" + ObjectName.quote(store.toString())
                + ",*"), null);
    }

    private static DbConfig config(boolean jmx) {
        return DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).jmx(jmx).build();
    }

    @Test
    void openStoreShowsItsStatisticsAsAttributesAndCloseRemovesTheBean() throws Exception {
        Path store = dir.resolve("store");
        try (TurboKV db = TurboKV.open(store, config(true))) {
            for (int i = 0; i < 3; i++) {
                try (WriteBatch batch = db.writeBatch()) {
                    batch.put(0, ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
                    batch.commit();
                }
            }
            db.get(0, "k1".getBytes(UTF_8));
            db.get(0, "absent".getBytes(UTF_8));

            Set<ObjectName> names = beansOf(store);
            assertEquals(1, names.size(), names.toString());
            ObjectName name = names.iterator().next();
            StoreMXBean bean = JMX.newMXBeanProxy(server, name, StoreMXBean.class);
            assertEquals(store.toString(), bean.getDirectory());
            assertFalse(bean.isReadOnly());
            assertFalse(bean.isUnrecoverableWriteError());
            Statistics statistics = db.statistics();
            assertEquals(statistics.sstFiles(), bean.getSstFiles());
            assertEquals(3, bean.getSstFiles());
            assertEquals(statistics.metaFiles(), bean.getMetaFiles());
            assertEquals(1, bean.getHits());
            assertEquals(1, bean.getMisses());
            assertEquals(1, bean.getValueHits());
            assertTrue(bean.getCommittedSequence() > 0);
            assertEquals(DbConfig.DEFAULT_KEY_BLOCK_CACHE_BYTES, bean.getKeyBlockCacheCapacityBytes());
            // the generic view a JMX console has
            assertEquals(1L, server.getAttribute(name, "Hits"));
            assertEquals(Boolean.FALSE, server.getAttribute(name, "ReadOnly"));
        }
        assertEquals(Set.of(), beansOf(store), "the bean outlived its store");
    }

    @Test
    void noBeanUnlessAskedAndOnePerInstanceWhenAsked() throws Exception {
        Path store = dir.resolve("store");
        try (TurboKV db = TurboKV.open(store, config(false))) {
            assertFalse(db.config().jmx());
            assertEquals(Set.of(), beansOf(store));
        }
        DbConfig readOnly = DbConfig.builder().jmx(true).build();
        try (TurboKV first = TurboKV.openReadOnly(store, readOnly);
             TurboKV second = TurboKV.openReadOnly(store, readOnly)) {
            assertEquals(2, beansOf(store).size());
            assertTrue(first.config().jmx() && second.config().jmx());
        }
        assertEquals(Set.of(), beansOf(store));
    }
}
