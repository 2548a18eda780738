package io.turbokv.ffm;

import java.util.Locale;

/** The operating-system families whose libc constants this module knows. */
enum OperatingSystem {
    LINUX,
    MAC,
    OTHER;

    static final OperatingSystem CURRENT = detect(System.getProperty("os.name", ""));

    static OperatingSystem detect(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) {
            return LINUX;
        }
        if (name.startsWith("mac") || name.startsWith("darwin")) {
            return MAC;
        }
        return OTHER;
    }

    /** The symbolic name of an errno value ({@code EINVAL}), or {@code errno=N} when it is not one we know. */
    String errnoName(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 4 -> "EINTR";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 22 -> "EINVAL";
            default -> null;
        };
        if (name == null && this == LINUX) {
            name = switch (errno) {
                case 11 -> "EAGAIN";
                case 38 -> "ENOSYS";
                default -> null;
            };
        }
        if (name == null && this == MAC) {
            name = switch (errno) {
                case 35 -> "EAGAIN";
                case 78 -> "ENOSYS";
                default -> null;
            };
        }
        return name != null ? name : "errno=" + errno;
    }
}
