package io.turbokv;

/**
 * {@link ConcurrencyTest} with every meta file mapped (a meta copy budget of 0), as a store's meta files beyond its
 * budget are: the key filters' verified bits then go to the mappings' copy-on-write pages while readers query them.
 */
class ConcurrencyMappedMetaTest extends ConcurrencyTest {
    @Override
    DbConfig.Builder config() {
        return super.config().metaCopyBytes(0);
    }
}
