package io.turbokv;

import java.util.Objects;

/**
 * One key space of a store. Families are fixed when the store is opened and addressed by their index in
 * {@link DbConfig#families()}; each SST and meta file belongs to exactly one family.
 *
 * @param name the family's name, used in errors, the {@code LOG} and statistics
 * @param kind whether a key holds one value or many
 */
public record FamilyConfig(String name, FamilyKind kind) {
    /** Validates the components. */
    public FamilyConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isBlank()) {
            throw new IllegalArgumentException("family name is blank");
        }
    }
}
