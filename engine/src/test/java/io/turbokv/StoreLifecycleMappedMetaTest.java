package io.turbokv;

/**
 * {@link StoreLifecycleTest} with every meta file mapped (a meta copy budget of 0), as a store's meta files beyond its
 * budget are: mappings, not copies, must be released by a failed open and outlive a compaction under a read scope.
 */
class StoreLifecycleMappedMetaTest extends StoreLifecycleTest {
    @Override
    DbConfig config() {
        return DbConfig.builder().family("default", FamilyKind.SINGLE_VALUE).metaCopyBytes(0).build();
    }

    @Override
    boolean metaFilesMapped() {
        return true;
    }
}
