package io.turbokv.sst;

/** What {@link SstReader#lookup} found for a key in one SST. */
public enum LookupResult {
    /** The SST has no entry for the key: look in older SSTs. */
    ABSENT,
    /** The key has one or more values (or blob references) here and no tombstone: older SSTs may hold more. */
    FOUND,
    /** The key's entries here end with its tombstone (after any values): older SSTs must not be consulted. */
    DELETED
}
