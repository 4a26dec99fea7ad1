#pragma once

// Merging iterators for the read path.
//
// A stream's entries live in several places (flushed chunks, chunks being
// flushed, the head) whose time ranges may overlap. NewMergeIterator yields
// them in timestamp order for the direction, dropping an entry identical in
// time and line to the one before it (so an entry stored twice, e.g. after a
// crash between a flush and the WAL truncation, is returned once).
//
// Sources are opened lazily: a source is opened only once the merge reaches
// its time range, so a query over many chunks holds only the overlapping ones
// in memory at a time.

#include <cstdint>
#include <functional>
#include <vector>

#include "logstore/model/iterator.h"

namespace logstack::logstore {

struct LazySource {
  int64_t min_ts = 0;  // inclusive bounds of the source's entries
  int64_t max_ts = 0;
  std::function<StatusOr<EntryIteratorPtr>()> open;
};

EntryIteratorPtr NewMergeIterator(std::vector<LazySource> sources, Direction dir);

}  // namespace logstack::logstore
