package io.turbokv;

/** How many values a key of a family holds. */
public enum FamilyKind {
    /** One value per key; the newest write wins. Read with {@code get} and {@code batchGet}. */
    SINGLE_VALUE,
    /**
     * A multiset of values per key; duplicates are kept and the order of values is undefined. A delete (key
     * tombstone) removes every value written before it. Read with {@code getMultiple}.
     */
    MULTI_VALUE
}
