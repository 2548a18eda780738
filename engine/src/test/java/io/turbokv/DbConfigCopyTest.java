package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turbokv.io.FileLayer;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * {@link DbConfig#toBuilder()} and {@link DbConfig#withCompactionPolicy}: a copy keeps every setting. The settings
 * are compared field by field through reflection, so that a setting added to {@link DbConfig} later and forgotten
 * by the copy fails here rather than being dropped silently.
 */
class DbConfigCopyTest {
    /** Every setting away from its default, so that a setting the copy drops differs from the original. */
    private static DbConfig everySettingChanged() {
        return DbConfig.builder()
                .family("a", FamilyKind.SINGLE_VALUE)
                .family(FamilyConfig.ordered("b", FamilyKind.MULTI_VALUE))
                .keyBlockCacheBytes(3L << 20)
                .valueBlockCacheBytes(5L << 20)
                .durability(Durability.NO_SYNC)
                .logFileBytes(7L << 20)
                .jmx(true)
                .slowGetThreshold(Duration.ofMillis(3))
                .blockCache(SharedBlockCache.create(1L << 20))
                .compactionPolicy(CompactionPolicy.whenSstCountAbove(5))
                .writeThreads(Runtime.getRuntime().availableProcessors() + 3)
                .keyBlockBytes(DbConfig.DEFAULT_KEY_BLOCK_BYTES / 2)
                .valueBlockBytes(DbConfig.DEFAULT_VALUE_BLOCK_BYTES / 2)
                .compression(Compression.NONE)
                .filterFingerprintBits(DbConfig.DEFAULT_FILTER_FINGERPRINT_BITS == 8 ? 16 : 8)
                .spillBytes(DbConfig.MIN_SPILL_BYTES)
                .spillEntries(DbConfig.MIN_SPILL_ENTRIES)
                .fileLayer(FileLayer.withoutSync(FileLayer.standard()))
                .metaCopyBytes(1L << 20)
                .writeBufferReserve(WriteBufferReserve.create(1L << 20))
                .build();
    }

    private static List<Field> settings() {
        List<Field> fields = new ArrayList<>();
        for (Field field : DbConfig.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                field.setAccessible(true);
                fields.add(field);
            }
        }
        return fields;
    }

    @Test
    void theChangedConfigurationDiffersFromTheDefaultsInEverySettingSoTheCopyTestsBelowSeeEveryDrop()
            throws Exception {
        DbConfig changed = everySettingChanged();
        DbConfig defaults = DbConfig.builder().build();
        for (Field field : settings()) {
            assertNotEquals(field.get(defaults), field.get(changed), field.getName()
                    + ": set it away from its default in everySettingChanged()");
        }
    }

    @Test
    void toBuilderBuildsAConfigurationEqualToTheOriginalInEverySetting() throws Exception {
        DbConfig original = everySettingChanged();
        DbConfig copy = original.toBuilder().build();
        for (Field field : settings()) {
            assertEquals(field.get(original), field.get(copy), field.getName());
        }
    }

    @Test
    void withCompactionPolicyChangesThePolicyAndKeepsEveryOtherSetting() throws Exception {
        DbConfig original = everySettingChanged();
        CompactionPolicy policy = CompactionPolicy.whenSstCountAbove(40);
        DbConfig copy = original.withCompactionPolicy(policy);
        assertSame(policy, copy.compactionPolicy());
        for (Field field : settings()) {
            if (!field.getName().equals("compactionPolicy")) {
                assertEquals(field.get(original), field.get(copy), field.getName());
            }
        }
    }

    @Test
    void aChangeOnTheCopysBuilderLeavesTheOriginalAsItWas() {
        DbConfig original = everySettingChanged();
        DbConfig copy = original.toBuilder().family("c", FamilyKind.SINGLE_VALUE).jmx(false).build();
        assertEquals(2, original.families().size());
        assertEquals(3, copy.families().size());
        assertTrue(original.jmx());
    }

    @Test
    void withCompactionPolicyRefusesNullAndAFamilyCopyStillRefusesDuplicateNames() {
        DbConfig original = everySettingChanged();
        assertThrows(NullPointerException.class, () -> original.withCompactionPolicy(null));
        DbConfig.Builder duplicate = original.toBuilder().family("a", FamilyKind.SINGLE_VALUE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, duplicate::build);
        assertTrue(Objects.requireNonNull(e.getMessage()).contains("'a'"), e.getMessage());
    }
}
