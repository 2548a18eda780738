package io.turbokv.recovery;

import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import io.turbokv.KeyOrder;
import io.turbokv.io.StoreSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Translates between the families a {@code DbConfig} declares and the {@link StoreSchema} a store records in its
 * {@code SCHEMA} file, and checks that the two agree: a store opened with other families than it was created with
 * would be read wrong (a single-valued store read as multi-valued returns the old values of overwritten keys), so
 * the open fails and says where they differ.
 */
public final class StoreSchemas {
    private StoreSchemas() {}

    /**
     * {@return the schema {@code families} describe}
     *
     * @param families the families, in index order
     */
    public static StoreSchema of(List<FamilyConfig> families) {
        List<StoreSchema.Family> recorded = new ArrayList<>(families.size());
        for (FamilyConfig family : families) {
            recorded.add(new StoreSchema.Family(family.name(), family.kind() == FamilyKind.MULTI_VALUE
                    ? StoreSchema.Family.MULTI_VALUED : StoreSchema.Family.SINGLE_VALUED,
                    family.keyOrdered() ? StoreSchema.Family.KEY_ORDERED : 0));
        }
        return new StoreSchema(recorded);
    }

    /**
     * {@return the families {@code schema} records}
     *
     * @param schema the store's recorded schema
     */
    public static List<FamilyConfig> families(StoreSchema schema) {
        List<FamilyConfig> families = new ArrayList<>(schema.families().size());
        for (StoreSchema.Family family : schema.families()) {
            families.add(new FamilyConfig(family.name(), family.kind() == StoreSchema.Family.MULTI_VALUED
                    ? FamilyKind.MULTI_VALUE : FamilyKind.SINGLE_VALUE,
                    family.keyOrdered() ? KeyOrder.KEY : KeyOrder.HASH));
        }
        return families;
    }

    /**
     * {@return the families to open the store with: those {@code recorded}, when {@code declared} is empty or the same}
     *
     * @param directory the store's directory, for the error message
     * @param recorded  the schema the store recorded
     * @param declared  the families the caller declares, or none
     * @throws IllegalArgumentException when {@code declared} lists other families, naming the first difference
     */
    public static List<FamilyConfig> reconcile(Path directory, StoreSchema recorded, List<FamilyConfig> declared) {
        List<FamilyConfig> stored = families(recorded);
        if (declared.isEmpty() || declared.equals(stored)) {
            return stored;
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT,
                "the store in %s was created with families %s; the DbConfig declares %s: %s (declare none to"
                        + " open the store with its own)",
                directory, describe(stored), describe(declared), firstDifference(stored, declared)));
    }

    private static String firstDifference(List<FamilyConfig> stored, List<FamilyConfig> declared) {
        for (int i = 0; i < Math.min(stored.size(), declared.size()); i++) {
            FamilyConfig s = stored.get(i);
            FamilyConfig d = declared.get(i);
            if (!s.equals(d)) {
                return String.format(Locale.ROOT, "family %d is '%s' %s in the store, '%s' %s in the config", i,
                        s.name(), properties(s), d.name(), properties(d));
            }
        }
        return String.format(Locale.ROOT, "the store has %d families, the config %d", stored.size(),
                declared.size());
    }

    /** The family's kind, and "key-ordered" when it is. */
    private static String properties(FamilyConfig family) {
        return family.kind() + (family.keyOrdered() ? " key-ordered" : "");
    }

    private static String describe(List<FamilyConfig> families) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < families.size(); i++) {
            parts.add(i + " '" + families.get(i).name() + "' " + properties(families.get(i)));
        }
        return parts.toString();
    }
}
