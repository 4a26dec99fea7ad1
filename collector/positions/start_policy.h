#pragma once

// Where to start reading a file family (a log path and its rotated files)
// when the collector starts tracking it. The rule, in order:
//
//  1. A trusted record in the positions file: resume from it (the saved
//     file is looked up by device, inode and fingerprint among the path and
//     its rotated siblings by tail/; if it is gone, tail/ reads what is left
//     of the family from the start).
//  2. No record, and the positions file was clean (or did not exist): read
//     the file from its beginning (offset 0). A file seen for the first time
//     is read whole, as Promtail does for pod logs: a pod's first lines are
//     not lost because the collector started a moment after the container.
//  3. No record, the positions file was damaged, and the file already existed
//     when the collector started: start at the file's END, and count it
//     (`started_at_end`). The damaged file may well have held a position for
//     it that could not be trusted; reading from 0 would send again every
//     line the store already has (for raw lines, which carry no timestamp of
//     their own, the store cannot drop those repeats), and a guessed offset
//     could start in the middle of a line. Lines written while the collector
//     was down are lost for such files; the log and the counter say so.
//  4. A file that appears while the collector runs is new: rule 2, whatever
//     the positions file was like.
//
// Thread safety: pure function; safe from any thread.

#include <optional>

#include "collector/positions/positions_file.h"

namespace logstack::collector::positions {

enum class StartKind { kResume, kBeginning, kEnd };

struct StartPoint {
  StartKind kind = StartKind::kBeginning;
  Record record;  // for kResume
};

// `saved` is the trusted record of the family's key, if any.
StartPoint ChooseStart(const std::optional<Record>& saved, bool positions_corrupt,
                       bool existed_at_startup);

}  // namespace logstack::collector::positions
