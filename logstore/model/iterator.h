#pragma once

// EntryIterator: how stored entries are read, from a chunk, a head chunk, a
// stream or a merge of streams.
//
// Usage:
//   while (it->Next()) Use(it->entry());
//   if (!it->status().ok()) ...   // Next() returned false because of an error
//
// Thread safety: one thread at a time. An iterator owns (or shares) what it
// reads, so it stays valid after the object that made it changes or goes away.

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "logstore/model/types.h"

namespace logstack::logstore {

enum class Direction { kForward, kBackward };

class EntryIterator {
 public:
  virtual ~EntryIterator() = default;
  // Moves to the next entry. Returns false at the end or on an error.
  virtual bool Next() = 0;
  // REQUIRES: the last Next() returned true. Valid until the next call to Next().
  virtual const EntryView& entry() const = 0;
  // OK unless iteration stopped because of an error (e.g. a corrupt block).
  virtual Status status() const = 0;
};
using EntryIteratorPtr = std::unique_ptr<EntryIterator>;

}  // namespace logstack::logstore
