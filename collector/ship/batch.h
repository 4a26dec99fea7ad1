#pragma once

// Batch: one finished push, ready to send, and what to commit once the
// store has acknowledged it.
//
// A PushEncoder (push_encoder.h) makes it; the Sender (sender.h) sends it,
// retrying until the store answers, and then hands it to the on_ack callback,
// where the caller commits `positions` (docs/collector.md, "Exactly once").
// The body is immutable once made, so a retry re-sends the same bytes: the
// store recognises entries it already has (same stream, timestamp and line)
// and keeps them once.
//
// Thread safety: a plain value, owned by one thread at a time (the encoder's,
// then the Sender's, then the on_ack callback's).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector/model/entry.h"

namespace logstack::collector {

struct Batch {
  // The X-Scope-OrgID to push as; empty sends no header.
  std::string tenant;
  // snappy(PushRequest), the body of POST /loki/api/v1/push. Empty when
  // `lines` is 0: such a batch only carries positions and is acknowledged
  // without a request.
  std::string body;
  // Where each source ended in this batch, one element per source: for a
  // file the position of the last entry appended from it (offsets of a file
  // grow, except after a truncation, when the later, smaller offset is the
  // one that counts), for the journal (source 0) the last cursor.
  std::vector<SourcePosition> positions;

  uint32_t streams = 0;
  uint64_t lines = 0;
  // Sum of the entries' line lengths (what Loki's limits count).
  uint64_t line_bytes = 0;
  // The PushRequest before compression.
  uint64_t raw_bytes = 0;

  // Clock::MonotonicNanos() when the first entry or position was added, and
  // when Finish() made the batch.
  int64_t created_mono_ns = 0;
  int64_t finished_mono_ns = 0;
  // Numbered by the encoder that made it, from 1, in the order made.
  uint64_t sequence = 0;
};

using BatchPtr = std::unique_ptr<Batch>;

}  // namespace logstack::collector
