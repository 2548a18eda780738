package io.turbokv.version;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.agrona.collections.IntHashSet;
import org.junit.jupiter.api.Test;

/** Which meta files a commit may delete (phase 2 of {@link SstFilter}). Arrays list meta files newest first. */
class SstFilterTest {
    private static IntHashSet live(int... seqs) {
        IntHashSet set = new IntHashSet();
        for (int seq : seqs) {
            set.add(seq);
        }
        return set;
    }

    @Test
    void metaFilesLeftWithoutLiveEntriesGoWhenANewerStayingFileRepeatsTheirMarks() {
        // O (oldest) still holds live SST 99 and lists 104, consumed by C1; C2 consumed C1's output 150; N, the
        // newest compaction, repeats C1's mark on 104 and holds the live SST 200.
        int[][] entries = {{200}, {180}, {150}, {104, 99}};
        int[][] obsolete = {{104, 180}, {150}, {104}, {}};
        boolean[] hasLive = {true, false, false, true};
        assertArrayEquals(new boolean[] {false, true, true, false},
                SstFilter.removable(entries, obsolete, hasLive, live(200, 99)));
    }

    @Test
    void aMarkAnOlderStayingFileNeedsKeepsItsMetaFileAndThatFilesEntriesNeedMarksToo() {
        // no newer file repeats C1's mark: C1 stays for O's listing of 104, and C2 stays for C1's listing of 150
        int[][] entries = {{200}, {180}, {150}, {104, 99}};
        int[][] obsolete = {{180}, {150}, {104}, {}};
        boolean[] hasLive = {true, false, false, true};
        assertArrayEquals(new boolean[] {false, false, false, false},
                SstFilter.removable(entries, obsolete, hasLive, live(200, 99)));
    }

    @Test
    void marksOfSstsNoStayingFileListsAreNotNeeded() {
        // O has no live entry either, so it goes, and with it the need for C1's mark
        int[][] entries = {{200}, {150}, {104}};
        int[][] obsolete = {{150}, {104}, {}};
        boolean[] hasLive = {true, false, false};
        assertArrayEquals(new boolean[] {false, true, true},
                SstFilter.removable(entries, obsolete, hasLive, live(200)));
    }

    @Test
    void anEntryLiveInANewerFileNeedsNoMark() {
        // 104 was moved: N lists it again (live); O's listing is shadowed, no mark involved
        int[][] entries = {{104}, {104, 99}};
        int[][] obsolete = {{}, {}};
        boolean[] hasLive = {true, true};
        assertArrayEquals(new boolean[] {false, false},
                SstFilter.removable(entries, obsolete, hasLive, live(104, 99)));
    }
}
