package io.turbokv.cli;

import io.turbokv.DbConfig;
import io.turbokv.FamilyConfig;
import io.turbokv.FamilyKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --family NAME:single|multi} options every store command takes. A store records its families when it
 * is created (its {@code SCHEMA}), so an existing store needs none: given, they must be exactly the store's, in
 * creation order, or the open fails naming the difference. They matter when a command creates a store; without
 * any, a new store has one single-valued family named {@code default} ({@link DbConfig#singleFamily()}).
 */
final class FamilyOptions {
    @Option(names = "--family", paramLabel = "NAME:single|multi", converter = FamilyConverter.class,
            description = {"A family of a store being created, in order; repeat for each family (default: one"
                    + " single-valued family named 'default'). An existing store knows its families: given, they"
                    + " must match them."})
    private List<FamilyConfig> families = new ArrayList<>();

    /** The configuration to open the store with: without {@code --family}, the store's own families. */
    DbConfig config() {
        return config(DbConfig.builder());
    }

    /** {@link #config()} from {@code builder}, which carries the command's other settings. */
    DbConfig config(DbConfig.Builder builder) {
        families.forEach(f -> builder.family(f.name(), f.kind()));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new CliException("bad --family list: " + e.getMessage());
        }
    }

    /**
     * The index of the family named {@code nameOrIndex} (a name, or its index in the list); the first family when
     * it is {@code null}.
     */
    static int resolve(DbConfig config, String nameOrIndex) {
        if (nameOrIndex == null) {
            return 0;
        }
        List<FamilyConfig> list = config.families();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).name().equals(nameOrIndex)) {
                return i;
            }
        }
        if (nameOrIndex.matches("\\d{1,9}") && Integer.parseInt(nameOrIndex) < list.size()) {
            return Integer.parseInt(nameOrIndex);
        }
        throw new CliException("no family '" + nameOrIndex + "' (the store's families: " + names(config) + ")");
    }

    /** {@code 0 default (single), 1 edges (multi)}. */
    static String names(DbConfig config) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < config.families().size(); i++) {
            FamilyConfig family = config.families().get(i);
            text.append(i == 0 ? "" : ", ").append(i).append(' ').append(family.name()).append(" (")
                    .append(kindName(family.kind())).append(')');
        }
        return text.toString();
    }

    static String kindName(FamilyKind kind) {
        return kind == FamilyKind.SINGLE_VALUE ? "single" : "multi";
    }

    /** Parses {@code NAME:single|multi}. */
    static final class FamilyConverter implements CommandLine.ITypeConverter<FamilyConfig> {
        @Override
        public FamilyConfig convert(String value) {
            int colon = value.lastIndexOf(':');
            String name = colon < 0 ? "" : value.substring(0, colon);
            String kind = colon < 0 ? "" : value.substring(colon + 1).toLowerCase(Locale.ROOT);
            if (name.isBlank() || !(kind.equals("single") || kind.equals("multi"))) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not NAME:single or NAME:multi (e.g. --family edges:multi)");
            }
            return new FamilyConfig(name, kind.equals("single") ? FamilyKind.SINGLE_VALUE : FamilyKind.MULTI_VALUE);
        }
    }
}
