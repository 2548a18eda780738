/**
 * Native access for TurboKV: read-only file mappings and the libc calls that advise the kernel about them (see
 * {@link io.turbokv.ffm}).
 *
 * <p>{@code LibC} links its downcalls through the FFM API, a restricted method: on the module path, grant this
 * module native access ({@code --enable-native-access=io.turbokv.ffm}); on the class path, {@code ALL-UNNAMED}.
 */
module io.turbokv.ffm {
    exports io.turbokv.ffm;
}
