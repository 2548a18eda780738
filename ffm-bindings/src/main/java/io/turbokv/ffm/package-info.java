/**
 * Native access for TurboKV, and nothing else: read-only file mappings ({@link io.turbokv.ffm.MappedFile}) and
 * the libc calls that advise the kernel about them ({@link io.turbokv.ffm.LibC}, {@link io.turbokv.ffm.Advice}),
 * and memory that is not zeroed ({@link io.turbokv.ffm.LibC#malloc}, freed when its arena closes).
 *
 * <p>Every downcall is declared once, in {@code LibC}, with errno captured through
 * {@code Linker.Option.captureCallState("errno")}. Where native access is not granted or libc lacks a symbol
 * (another operating system), advice is a documented no-op and never fails an open, and {@code malloc} falls back
 * to zeroed arena memory.
 *
 * <p>Depends on the JDK only. The storage engine builds on this module; this module knows nothing of it.
 */
package io.turbokv.ffm;
