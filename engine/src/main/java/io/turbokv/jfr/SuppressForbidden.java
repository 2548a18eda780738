package io.turbokv.jfr;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts a class from the build's forbidden-apis check, whose {@code jdk-non-portable} list refuses every
 * {@code jdk.*} API: the event classes of this package extend {@code jdk.jfr.Event}, which every JDK TurboKV runs on
 * has (the module {@code jdk.jfr}). Only this package uses it; the rest of the engine calls the events' own methods.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface SuppressForbidden {
}
