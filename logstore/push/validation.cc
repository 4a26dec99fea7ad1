#include "logstore/push/validation.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "common/go/time.h"
#include "logstore/model/labels.h"

namespace logstack::logstore::push {

namespace {

// A stream's labels after parsing, and the text Loki shows for them in
// messages about the labels.
struct ParsedLabels {
  Labels labels;           // sorted by name, empty values dropped, duplicates kept
  std::string owned_text;  // JSON streams: the text written out from the pairs
  std::string_view text;   // owned_text, or the protobuf labels string as sent
};

// Writes a JSON stream's labels the way Loki does before parsing them: names
// sorted bytewise and written as they are, values quoted.
std::string JsonLabelsText(const std::vector<LabelRef>& pairs) {
  std::vector<LabelRef> sorted(pairs);
  std::sort(sorted.begin(), sorted.end(),
            [](const LabelRef& a, const LabelRef& b) { return a.name < b.name; });
  return LabelsString(sorted.data(), sorted.size());
}

// Drops every label of a name that has an empty value, then sorts by name
// (stable, so duplicates keep their order).
void Normalize(Labels* labels) {
  bool any_empty = false;
  for (const Label& l : *labels) any_empty |= l.value.empty();
  if (any_empty) {
    std::vector<std::string> dropped;
    for (const Label& l : *labels) {
      if (l.value.empty()) dropped.push_back(l.name);
    }
    std::erase_if(*labels, [&](const Label& l) {
      return std::find(dropped.begin(), dropped.end(), l.name) != dropped.end();
    });
  }
  std::stable_sort(labels->begin(), labels->end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
}

Status ParseStreamLabels(const PushStream& stream, ParsedLabels* out) {
  if (stream.from_json) {
    out->owned_text = JsonLabelsText(stream.labels);
    out->text = out->owned_text;
  } else {
    out->text = stream.labels_text;
  }
  auto parsed = ParseLabelSet(out->text);
  if (!parsed.ok()) return InvalidArgument("couldn't parse labels: " + parsed.status().message());
  out->labels = std::move(parsed).value();
  Normalize(&out->labels);
  return Status::Ok();
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

// The stream-level limits; returns the reason and message of the first one
// broken, in Loki's order.
bool CheckLabelLimits(const ParsedLabels& parsed, const ValidationLimits& limits,
                      DiscardReason* reason, std::string* message) {
  const Labels& labels = parsed.labels;
  int64_t names = static_cast<int64_t>(labels.size());
  for (const Label& l : labels) {
    if (l.name == "service_name") {
      names--;  // Loki does not count the label it may add itself
      break;
    }
  }
  std::string text(parsed.text);
  if (names > limits.max_label_names_per_series) {
    *reason = DiscardReason::kMaxLabelNamesPerSeries;
    *message = "entry for stream '" + text + "' has " + std::to_string(names) +
               " label names; limit " + std::to_string(limits.max_label_names_per_series);
    return false;
  }
  for (const Label& l : labels) {
    if (l.name.size() > static_cast<size_t>(std::max(limits.max_label_name_length, 0))) {
      *reason = DiscardReason::kLabelNameTooLong;
      *message = "stream '" + text + "' has label name too long: '" + l.name + "'";
      return false;
    }
    if (l.value.size() > static_cast<size_t>(std::max(limits.max_label_value_length, 0))) {
      *reason = DiscardReason::kLabelValueTooLong;
      *message = "stream '" + text + "' has label value too long: '" + l.value + "'";
      return false;
    }
  }
  return true;
}

// Removes invalid UTF-8 and U+FFFD from s, as Loki does to metadata values.
std::string RemoveInvalidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t r;
    size_t w = DecodeUtf8(s.substr(i), &r);
    if (r != 0xFFFD) out.append(s.substr(i, w));
    i += w;
  }
  return out;
}

class Validator {
 public:
  Validator(PushRequest& req, const ValidationLimits& limits, int64_t now_ns)
      : req_(req),
        limits_(limits),
        oldest_ns_(SaturatingAdd(now_ns, -limits.reject_old_samples_max_age_ns)),
        newest_ns_(SaturatingAdd(now_ns, limits.creation_grace_period_ns)) {}

  StatusOr<ValidationResult> Run() {
    std::vector<ParsedLabels> parsed(req_.streams.size());
    for (size_t i = 0; i < req_.streams.size(); i++) {
      LOGSTACK_RETURN_IF_ERROR(ParseStreamLabels(req_.streams[i], &parsed[i]));
    }
    for (size_t i = 0; i < req_.streams.size(); i++) {
      if (req_.streams[i].entries.empty()) continue;
      const Labels& labels = parsed[i].labels;
      if (labels.empty()) {
        return InvalidArgument("error at least one label pair is required per stream");
      }
      for (size_t k = 1; k < labels.size(); k++) {
        if (labels[k].name == labels[k - 1].name) {
          return InvalidArgument("stream '" + std::string(parsed[i].text) +
                                 "' has duplicate label name: '" + labels[k].name + "'");
        }
      }
    }
    result_.streams.reserve(req_.streams.size());  // keeps by_labels_' keys in place
    for (size_t i = 0; i < req_.streams.size(); i++) {
      if (!req_.streams[i].entries.empty()) Stream(req_.streams[i], parsed[i]);
    }
    result_.metadata = req_.metadata;  // rewritten in place, never grown
    return std::move(result_);
  }

 private:
  void Discard(DiscardReason reason, const PushEntry& e, uint64_t metadata_bytes) {
    DiscardStats& d = result_.discarded[static_cast<size_t>(reason)];
    d.entries++;
    d.bytes += e.line.size() + metadata_bytes;
  }

  uint64_t MetadataBytes(const PushEntry& e) const {
    uint64_t n = 0;
    for (uint32_t k = 0; k < e.metadata_count; k++) {
      const LabelRef& m = req_.metadata[e.metadata_begin + k];
      n += m.name.size() + m.value.size();
    }
    return n;
  }

  void Stream(PushStream& stream, ParsedLabels& parsed) {
    DiscardReason reason;
    std::string message;
    if (!CheckLabelLimits(parsed, limits_, &reason, &message)) {
      result_.errors.Add(reason, std::move(message));
      for (const PushEntry& e : stream.entries) Discard(reason, e, MetadataBytes(e));
      return;
    }
    std::string canonical = LabelsString(parsed.labels);
    bool all_empty = true;
    size_t kept = 0;
    for (size_t r = 0; r < stream.entries.size(); r++) {
      PushEntry e = stream.entries[r];
      if (Entry(&e, canonical)) {
        all_empty &= e.line.empty() && e.metadata_count == 0;
        stream.entries[kept++] = e;
      }
    }
    stream.entries.resize(kept);
    if (kept == 0) return;

    auto it = by_labels_.find(canonical);
    if (it != by_labels_.end()) {
      ValidStream& vs = result_.streams[it->second];
      vs.entries.insert(vs.entries.end(), stream.entries.begin(), stream.entries.end());
      vs.only_empty_entries &= all_empty;
      return;
    }
    ValidStream& vs = result_.streams.emplace_back();
    vs.labels = std::move(parsed.labels);
    vs.labels_string = std::move(canonical);
    vs.hash = Fnv1a(vs.labels_string);
    vs.entries = std::move(stream.entries);
    vs.only_empty_entries = all_empty;
    by_labels_.emplace(vs.labels_string, result_.streams.size() - 1);
  }

  const std::string& OldestText() {
    if (oldest_text_.empty()) oldest_text_ = go::FormatRfc3339(oldest_ns_);
    return oldest_text_;
  }

  // Checks one entry in Loki's order; returns true iff it is kept.
  bool Entry(PushEntry* e, const std::string& stream) {
    const ValidationLimits& lim = limits_;
    if (lim.max_line_size_truncate && lim.max_line_size != 0 &&
        e->line.size() > lim.max_line_size) {
      e->line = e->line.substr(0, lim.max_line_size);
      result_.truncated_lines++;
    }
    uint64_t md_bytes = e->metadata_count == 0 ? 0 : MetadataBytes(*e);
    if (lim.reject_old_samples && e->timestamp_ns < oldest_ns_) {
      Reject(DiscardReason::kGreaterThanMaxSampleAge, *e, md_bytes,
             "entry for stream '" + stream +
                 "' has timestamp too old: " + go::FormatRfc3339(e->timestamp_ns) +
                 ", oldest acceptable timestamp is: " + OldestText());
      return false;
    }
    if (e->timestamp_ns > newest_ns_) {
      Reject(DiscardReason::kTooFarInFuture, *e, md_bytes,
             "entry for stream '" + stream +
                 "' has timestamp too new: " + go::FormatRfc3339(e->timestamp_ns));
      return false;
    }
    if (lim.max_line_size != 0 && e->line.size() > lim.max_line_size) {
      Reject(DiscardReason::kLineTooLong, *e, md_bytes,
             "Max entry size '" + std::to_string(lim.max_line_size) +
                 "' bytes exceeded for stream '" + stream +
                 "' while adding an entry with length '" + std::to_string(e->line.size()) +
                 "' bytes");
      return false;
    }
    if (e->metadata_count > 0) {
      if (!lim.allow_structured_metadata) {
        Reject(DiscardReason::kDisallowedStructuredMetadata, *e, md_bytes,
               "stream '" + stream +
                   "' includes structured metadata, but this feature is disallowed. Please "
                   "see `limits_config.structured_metadata` or contact your Loki "
                   "administrator to enable it.");
        return false;
      }
      if (lim.max_structured_metadata_size != 0 && md_bytes > lim.max_structured_metadata_size) {
        Reject(DiscardReason::kStructuredMetadataTooLarge, *e, md_bytes,
               "stream '" + stream + "' has structured metadata too large: '" +
                   std::to_string(md_bytes) + "' bytes, limit: '" +
                   std::to_string(lim.max_structured_metadata_size) +
                   "' bytes. Please see `limits_config.max_structured_metadata_size` or "
                   "contact your Loki administrator to increase it.");
        return false;
      }
      if (lim.max_structured_metadata_entries_count > 0 &&
          e->metadata_count > static_cast<uint32_t>(lim.max_structured_metadata_entries_count)) {
        Reject(DiscardReason::kStructuredMetadataTooMany, *e, md_bytes,
               "stream '" + stream + "' has too many structured metadata labels: '" +
                   std::to_string(e->metadata_count) + "', limit: '" +
                   std::to_string(lim.max_structured_metadata_entries_count) +
                   "'. Please see `limits_config.max_structured_metadata_entries_count` or "
                   "contact your Loki administrator to increase it.");
        return false;
      }
      CleanMetadata(*e);
    }
    result_.accepted_entries++;
    result_.accepted_line_bytes += e->line.size();
    result_.accepted_metadata_bytes += md_bytes;
    return true;
  }

  void Reject(DiscardReason reason, const PushEntry& e, uint64_t md_bytes, std::string message) {
    result_.errors.Add(reason, std::move(message));
    Discard(reason, e, md_bytes);
  }

  void CleanMetadata(const PushEntry& e) {
    for (uint32_t k = 0; k < e.metadata_count; k++) {
      LabelRef& m = req_.metadata[e.metadata_begin + k];
      if (!IsSanitizedMetadataName(m.name)) m.name = req_.Keep(SanitizeMetadataName(m.name));
      if (!IsCleanUtf8(m.value)) m.value = req_.Keep(RemoveInvalidUtf8(m.value));
    }
  }

  PushRequest& req_;
  const ValidationLimits& limits_;
  const int64_t oldest_ns_;
  const int64_t newest_ns_;
  std::string oldest_text_;
  ValidationResult result_;
  std::unordered_map<std::string_view, size_t> by_labels_;  // canonical text -> streams index
};

}  // namespace

StatusOr<ValidationResult> ValidatePush(PushRequest& req, const ValidationLimits& limits,
                                        int64_t now_ns, std::string_view tenant) {
  return Validator(req, limits, now_ns).Run();
}

}  // namespace logstack::logstore::push
