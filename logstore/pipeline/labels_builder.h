#pragma once

// LabelsBuilder: the labels of one log entry as it moves through a LogQL
// pipeline. It starts from the stream's labels and the entry's structured
// metadata; parsers add labels, label_format renames, drop/keep remove, and
// a failing stage sets __error__ / __error__details__. At the end the engine
// asks for the resulting label set, which names the output stream or series.
//
// Precedence when a name is set more than once: parsed/formatted labels over
// structured metadata over stream labels. Deleting hides a name from every
// category until it is set again.
//
// Performance contract: Reset() and Set() do not allocate once the builder
// has warmed up (values are copied into reused buffers); Get() is a short
// linear scan. The engine keeps one builder per stream per worker.
//
// Thread safety: none; one builder per thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "logstore/model/types.h"

namespace logstack::logstore::pipeline {

// Loki's label categories.
enum class LabelCategory { kStream, kMetadata, kParsed };

inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";

class LabelsBuilder {
 public:
  // `stream` is sorted by name and outlives the builder.
  explicit LabelsBuilder(const Labels* stream);

  // Starts a new entry: forgets parsed labels, deletions and errors, and
  // takes this entry's structured metadata (sanitised names; the views must
  // stay valid until the next Reset).
  void Reset(std::span<const LabelRef> metadata = {});

  // The current value of a label, if present (not deleted). __error__ and
  // __error_details__ are visible here when set.
  std::optional<std::string_view> Get(std::string_view name) const;
  // True iff `name` is one of the stream's labels (parsers then write
  // name + "_extracted" instead).
  bool BaseHas(std::string_view name) const;
  // Extraction hints: with a list set, parsers extract only these names
  // (compared after sanitising and the "_extracted" suffix), as Loki does
  // when a metric query only keeps a few labels. nullptr (the default)
  // extracts everything. The list outlives the builder.
  void SetHints(const std::vector<std::string>* names) { hints_ = names; }
  // True iff a parser should extract `name` (already sanitised).
  bool Wanted(std::string_view name) const {
    if (hints_ == nullptr) return true;
    if (name.empty()) return false;
    constexpr std::string_view kSuffix = "_extracted";
    for (const auto& h : *hints_) {
      // Cheap rejections first: this runs for every key of every line.
      if ((h.size() != name.size() && h.size() != name.size() + kSuffix.size()) ||
          h[0] != name[0]) {
        continue;
      }
      if (std::string_view(h).substr(0, name.size()) == name &&
          (h.size() == name.size() || std::string_view(h).substr(name.size()) == kSuffix)) {
        return true;
      }
    }
    return false;
  }
  bool HasHints() const { return hints_ != nullptr; }

  // True iff the label was set by a parser/formatter for this entry.
  bool ParsedHas(std::string_view name) const;

  // Sets a label for this entry (copies name and value).
  void Set(LabelCategory cat, std::string_view name, std::string_view value);
  void Del(std::string_view name);

  // Errors: the first error wins, as in Loki. `details` may be empty.
  void SetError(std::string_view error, std::string_view details = {});
  bool HasError() const { return !error_.empty(); }
  std::string_view error() const { return error_; }
  std::string_view error_details() const { return error_details_; }
  // Removes the error labels (a label filter on __error__ may do this).
  void ClearError();

  // True iff this entry's labels differ from the stream's (something set,
  // deleted, metadata present, or an error).
  bool Modified() const;

  // Calls fn(name, value) for every present label, sorted by name,
  // including __error__ / __error_details__ when set.
  void ForEach(const std::function<void(std::string_view, std::string_view)>& fn) const;
  // The resulting label set, sorted.
  Labels Result() const;

  const Labels& stream_labels() const { return *stream_; }

 private:
  struct Pair {
    std::string name;
    std::string value;
    LabelCategory cat;
  };
  const Labels* stream_;
  std::span<const LabelRef> metadata_;
  std::vector<Pair> set_;  // set_[0, n_set_) live; beyond: reusable buffers
  size_t n_set_ = 0;
  std::vector<std::string> deleted_;
  size_t n_deleted_ = 0;
  std::string error_;
  std::string error_details_;
  const std::vector<std::string>* hints_ = nullptr;
};

}  // namespace logstack::logstore::pipeline
