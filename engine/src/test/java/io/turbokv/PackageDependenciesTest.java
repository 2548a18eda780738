package io.turbokv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's package structure as its {@code package-info.java} files state it, checked against the sources:
 * every package imports only the engine packages its package-info names in its "Depends on" paragraph; the
 * internal packages depend on the API package {@code io.turbokv} only for its leaf types (those that import
 * nothing of the engine: exceptions, consumers, reports, families), so the graph of the engine's packages, with
 * those leaf types apart, has no cycle; and the API package holds public, documented top-level types only.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/turbokv");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.turbokv\\.([\\w.]+);",
            Pattern.MULTILINE);
    private static final Pattern DECLARED_PACKAGE = Pattern.compile("io\\.turbokv\\.([a-z]+)\\b");
    private static final Pattern DECLARED_TYPE = Pattern.compile("io\\.turbokv\\.([A-Z]\\w*)");
    private static final String LEAF_TYPES_PHRASE = "API package's leaf types";

    /** The top-level types of the API package, each with the engine packages it imports. */
    private static Map<String, Set<String>> apiTypes() throws IOException {
        Map<String, Set<String>> types = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = file.getFileName().toString().replace(".java", "");
                if (!name.equals("package-info")) {
                    types.put(name, importedPackages(Files.readString(file)));
                }
            }
        }
        return types;
    }

    /** The API types that import nothing of the engine's internals. */
    private static Set<String> leafTypes() throws IOException {
        Set<String> leaves = new TreeSet<>();
        apiTypes().forEach((type, imports) -> {
            if (imports.isEmpty()) {
                leaves.add(type);
            }
        });
        return leaves;
    }

    /** The engine packages {@code source} imports from. */
    private static Set<String> importedPackages(String source) {
        return importedNames(source, true);
    }

    /** The API types {@code source} imports. */
    private static Set<String> importedApiTypes(String source) {
        return importedNames(source, false);
    }

    /** The first name after {@code io.turbokv.} of each import: packages start lower case, API types upper. */
    private static Set<String> importedNames(String source, boolean packages) {
        Set<String> names = new TreeSet<>();
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
            String first = m.group(1).split("\\.")[0];
            if (Character.isLowerCase(first.charAt(0)) == packages) {
                names.add(first);
            }
        }
        return names;
    }

    private static List<String> internalPackages() throws IOException {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** What the package imports of the engine: other packages, and API types. */
    private record Imports(Set<String> packages, Set<String> apiTypes) {}

    private static Imports importsOf(String pkg) throws IOException {
        Set<String> packages = new TreeSet<>();
        Set<String> types = new TreeSet<>();
        try (Stream<Path> files = Files.list(SOURCES.resolve(pkg))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                packages.addAll(importedPackages(source));
                types.addAll(importedApiTypes(source));
            }
        }
        packages.remove(pkg);
        return new Imports(packages, types);
    }

    /** The paragraph of a package-info that says what the package depends on. */
    private static String dependencyParagraph(String pkg) throws IOException {
        String info = Files.readString(SOURCES.resolve(pkg).resolve("package-info.java"));
        int start = info.indexOf("epends on");
        if (start < 0) {
            start = info.indexOf("epend on");
        }
        assertTrue(start >= 0, pkg + "/package-info.java has no 'Depends on' paragraph");
        int end = info.indexOf("*/", start);
        return info.substring(start, end).replaceAll("\\s*\\*\\s*", " ");
    }

    @Test
    void everyPackageImportsOnlyWhatItsPackageInfoDeclares() throws IOException {
        Set<String> leaves = leafTypes();
        List<String> violations = new ArrayList<>();
        for (String pkg : internalPackages()) {
            String declared = dependencyParagraph(pkg);
            Set<String> declaredPackages = new TreeSet<>();
            Matcher p = DECLARED_PACKAGE.matcher(declared);
            while (p.find()) {
                declaredPackages.add(p.group(1));
            }
            Set<String> declaredTypes = new TreeSet<>();
            Matcher t = DECLARED_TYPE.matcher(declared);
            while (t.find()) {
                declaredTypes.add(t.group(1));
            }
            Imports imports = importsOf(pkg);
            for (String used : imports.packages()) {
                if (!declaredPackages.contains(used)) {
                    violations.add(pkg + " imports io.turbokv." + used + ", which its package-info does not name");
                }
            }
            for (String type : imports.apiTypes()) {
                if (!leaves.contains(type)) {
                    violations.add(pkg + " imports io.turbokv." + type + ", which is not a leaf type of the API");
                } else if (!declaredTypes.contains(type) && !declared.contains(LEAF_TYPES_PHRASE)) {
                    violations.add(pkg + " imports io.turbokv." + type + ", which its package-info does not name");
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void internalPackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String pkg : internalPackages()) {
            Set<String> edges = new TreeSet<>(importsOf(pkg).packages());
            edges.retainAll(internalPackages());
            graph.put(pkg, edges);
        }
        // Kahn's algorithm: a cycle leaves packages that never reach in-degree 0
        Map<String, Integer> dependents = new TreeMap<>();
        graph.keySet().forEach(pkg -> dependents.put(pkg, 0));
        graph.values().forEach(edges -> edges.forEach(to -> dependents.merge(to, 1, Integer::sum)));
        List<String> free = new ArrayList<>(dependents.entrySet().stream().filter(e -> e.getValue() == 0)
                .map(Map.Entry::getKey).toList());
        Set<String> ordered = new TreeSet<>();
        while (!free.isEmpty()) {
            String pkg = free.removeFirst();
            ordered.add(pkg);
            for (String to : graph.get(pkg)) {
                if (dependents.merge(to, -1, Integer::sum) == 0) {
                    free.add(to);
                }
            }
        }
        Set<String> inCycles = new TreeSet<>(graph.keySet());
        inCycles.removeAll(ordered);
        assertEquals(Set.of(), inCycles, "packages on a dependency cycle: " + graph);
    }

    @Test
    void apiPackageHoldsOnlyPublicDocumentedTypes() throws IOException {
        List<String> violations = new ArrayList<>();
        Pattern declaration = Pattern.compile("^public (?:final |sealed |abstract )*(?:class|record|enum|interface) ",
                Pattern.MULTILINE);
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (file.getFileName().toString().equals("package-info.java")) {
                    continue;
                }
                String source = Files.readString(file);
                Matcher m = declaration.matcher(source);
                if (!m.find()) {
                    violations.add(file.getFileName() + ": its top-level type is not public");
                } else if (!source.substring(0, m.start()).replaceAll("(?m)^@\\w+\\s*$", "").stripTrailing()
                        .endsWith("*/")) {
                    violations.add(file.getFileName() + ": its top-level type has no Javadoc");
                }
            }
        }
        assertEquals(List.of(), violations);
    }
}
