#pragma once

// The errors of one push, collected while it is validated and stored, and
// turned into the one answer Loki would give: an HTTP status and a message.
//
// Loki groups a request's errors by their text. One error alone is its text;
// otherwise each distinct text is written "N errors like: <text>" and the
// groups are joined with "; " (Loki joins them in random order; here they
// keep the order in which each text first occurred):
//
//   1 errors like: entry for stream '{a="1"}' has timestamp too old: ...;
//   1 errors like: entry for stream '{a="1"}' has timestamp too new: ...
//
// Two entries with the same message (the same stream, reason and, for
// timestamps, the same second) make one group "2 errors like: ...".
//
// Thread safety: a value; not safe for concurrent mutation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "logstore/ingest/batch.h"
#include "logstore/ingest/discard.h"

namespace logstack::logstore::push {

using ingest::DiscardReason;  // ingest/discard.h
using ingest::DiscardReasonName;
using ingest::kNumDiscardReasons;

// 429 for the rate and stream limits, 400 for the rest.
int DiscardReasonHttpStatus(DiscardReason reason);

// Loki's texts for what the store itself refuses while it writes a push.
// `limit_bytes` and `bytes` are in bytes; `labels` is a stream's canonical
// labels text.
std::string IngestionRateLimitedMessage(std::string_view tenant, double limit_bytes_per_sec,
                                        size_t entries, uint64_t bytes);
std::string StreamLimitMessage(std::string_view labels, std::string_view tenant);
std::string TooFarBehindMessage(int64_t ts, int64_t oldest_acceptable);
std::string PerStreamRateLimitedMessage(int64_t ts, uint64_t limit_bytes_per_sec,
                                        std::string_view labels, double entry_bytes);
// The answer for a stream some of whose entries were ignored: the first
// one's text, then the totals.
std::string IgnoredEntriesMessage(std::string_view first, std::string_view tenant, size_t ignored,
                                  size_t total, std::string_view labels);

// Loki's answer to what the store refused of a push for `tenant`
// (ingest::Refusal): the status is DiscardReasonHttpStatus of its reason,
// the text one of the above.
int RefusalHttpStatus(const ingest::Refusal& refusal);
std::string RefusalMessage(const ingest::Refusal& refusal, std::string_view tenant);

class PushErrors {
 public:
  // At most this many distinct texts are kept; later distinct texts are only
  // counted, and the message ends with "; and N more errors".
  static constexpr size_t kMaxGroups = 100;

  PushErrors() = default;
  // Move-only: index_ points into groups_, which a move hands over whole.
  PushErrors(PushErrors&&) = default;
  PushErrors& operator=(PushErrors&&) = default;
  PushErrors(const PushErrors&) = delete;
  PushErrors& operator=(const PushErrors&) = delete;

  // Records one error. `message` is the full text Loki would give for it.
  void Add(DiscardReason reason, std::string message);

  // Adds all of other's errors, as if each had been added here in order.
  void Merge(const PushErrors& other);

  bool empty() const { return total_ == 0; }
  // Errors added, identical texts counted each time.
  size_t total() const { return total_; }
  // Errors added with this reason.
  size_t count(DiscardReason reason) const { return by_reason_[static_cast<size_t>(reason)]; }

  // 204 when empty; else 429 if any error has a 429 reason; else 400.
  int HttpStatus() const;

  // The message as Loki words it (see the file comment); "" when empty.
  std::string Message() const;

  // OK when empty; kResourceExhausted when HttpStatus() is 429, else
  // kInvalidArgument; the message is Message().
  Status ToStatus() const;

 private:
  struct Group {
    std::string message;
    size_t count = 0;
  };

  std::deque<Group> groups_;  // a deque: its elements never move, index_ points into them
  std::unordered_map<std::string_view, size_t> index_;
  std::array<size_t, kNumDiscardReasons> by_reason_{};
  size_t total_ = 0;
  size_t overflow_ = 0;  // errors whose text did not fit in kMaxGroups
};

}  // namespace logstack::logstore::push
