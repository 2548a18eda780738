/**
 * TurboKV, an embedded, persistent, hash-ordered key-value store: the API is the package {@link io.turbokv} and
 * nothing else; its subpackages are the engine's internals and stay inside this module.
 *
 * <p>On the module path, grant native access to {@code io.turbokv.ffm} (madvise through FFM) and
 * {@code org.lz4.java} (its JNI codec): {@code --enable-native-access=io.turbokv.ffm,org.lz4.java}.
 */
// lz4-java, zero-allocation-hashing and Agrona ship no module descriptor: they are automatic modules.
// zero-allocation-hashing does not even name itself (no Automatic-Module-Name): its name is derived from the jar's
// file name, zero-allocation-hashing-VERSION.jar, as Maven and Gradle lay it out.
@SuppressWarnings("requires-automatic")
module io.turbokv {
    requires io.turbokv.ffm;
    requires java.management;
    requires jdk.jfr;
    requires org.agrona;
    requires org.lz4.java;
    requires zero.allocation.hashing;

    exports io.turbokv;
}
