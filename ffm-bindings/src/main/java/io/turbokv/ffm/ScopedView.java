package io.turbokv.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Re-scopes a view of mapped or cached memory to a shorter-lived arena, so that a reference escaping a read scope
 * fails safely instead of reading memory TurboKV may since have unmapped or reused.
 *
 * <p>The caller guarantees that the memory behind {@code view} stays valid at least as long as {@code scope} is
 * open (TurboKV holds a version lease for the scope's lifetime, and copies values of cached or scratch memory
 * into the scope's arena rather than viewing them). After {@code scope} closes,
 * every access through the returned segment throws {@link IllegalStateException}.
 */
public final class ScopedView {
    private ScopedView() {}

    /**
     * {@return a segment with {@code view}'s address and size, whose lifetime is {@code scope}'s} Heap segments
     * come back as they are, since the garbage collector keeps their memory alive.
     *
     * @param view  mapped, native or heap memory that stays valid while {@code scope} is open
     * @param scope the arena of the read scope the returned segment must not outlive
     */
    @SuppressWarnings("restricted") // safe: the caller keeps the memory alive while scope is open (class comment)
    public static MemorySegment of(MemorySegment view, Arena scope) {
        if (view.isMapped() || view.isNative()) {
            return view.reinterpret(scope, null);
        }
        return view; // heap memory is kept alive by the GC
    }
}
