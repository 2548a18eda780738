package io.turbokv.io;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a store is: its families, in index order, as {@link SchemaFile} records them at creation. Independent of
 * the engine's configuration types, so that the file format does not change when they do.
 *
 * @param families the families, addressed by their index in this list; at least one, names distinct
 */
public record StoreSchema(List<Family> families) {
    /** Validates the families and copies the list. */
    public StoreSchema {
        families = List.copyOf(families);
        if (families.isEmpty()) {
            throw new IllegalArgumentException("a store schema has at least one family");
        }
        Set<String> names = new HashSet<>();
        for (Family family : families) {
            if (!names.add(family.name())) {
                throw new IllegalArgumentException("two families are named '" + family.name() + "'");
            }
        }
    }

    /**
     * One family of a store.
     *
     * @param name  the family's name, not blank
     * @param kind  {@link #SINGLE_VALUED} or {@link #MULTI_VALUED}
     * @param flags properties added to a family after its kind ({@link #KEY_ORDERED}); {@link SchemaFile} writes and
     *              reads only the ones its build knows
     */
    public record Family(String name, int kind, int flags) {
        /** {@return whether the family is key-ordered ({@link #KEY_ORDERED})} */
        public boolean keyOrdered() {
            return (flags & KEY_ORDERED) != 0;
        }

        /** A family whose keys hold one value each. */
        public static final int SINGLE_VALUED = 0;
        /** A family whose keys hold a multiset of values. */
        public static final int MULTI_VALUED = 1;
        /** Flag: the family's keys are ordered by their bytes rather than by their hash. */
        public static final int KEY_ORDERED = 1;

        /** Validates the components. */
        public Family {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("family name is blank");
            }
            if (kind != SINGLE_VALUED && kind != MULTI_VALUED) {
                throw new IllegalArgumentException("family kind " + kind + " is neither SINGLE_VALUED (0) nor"
                        + " MULTI_VALUED (1)");
            }
        }
    }
}
