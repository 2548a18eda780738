package io.turbokv;

import java.util.Objects;

/**
 * One key space of a store. Families are fixed when the store is opened and addressed by their index in
 * {@link DbConfig#families()}; each SST and meta file belongs to exactly one family.
 *
 * @param name  the family's name, used in errors, the {@code LOG} and statistics
 * @param kind  whether a key holds one value or many
 * @param order how the family orders its keys on disk: {@link KeyOrder#KEY} for range and prefix reads
 */
public record FamilyConfig(String name, FamilyKind kind, KeyOrder order) {
    /** Validates the components. */
    public FamilyConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(order, "order");
        if (name.isBlank()) {
            throw new IllegalArgumentException("family name is blank");
        }
    }

    /**
     * A hash-ordered family ({@link KeyOrder#HASH}).
     *
     * @param name the family's name
     * @param kind whether a key holds one value or many
     */
    public FamilyConfig(String name, FamilyKind kind) {
        this(name, kind, KeyOrder.HASH);
    }

    /**
     * {@return a key-ordered family ({@link KeyOrder#KEY}), which serves range and prefix cursors}
     *
     * @param name the family's name
     * @param kind whether a key holds one value or many
     */
    public static FamilyConfig ordered(String name, FamilyKind kind) {
        return new FamilyConfig(name, kind, KeyOrder.KEY);
    }

    /** {@return whether the family is key-ordered} */
    public boolean keyOrdered() {
        return order == KeyOrder.KEY;
    }
}
