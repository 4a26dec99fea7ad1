#include "logstore/pipeline/labels_builder.h"

#include <algorithm>

namespace logstack::logstore::pipeline {

LabelsBuilder::LabelsBuilder(const Labels* stream) : stream_(stream) {}

void LabelsBuilder::Reset(std::span<const LabelRef> metadata) {
  metadata_ = metadata;
  n_set_ = 0;
  n_deleted_ = 0;
  error_.clear();
  error_details_.clear();
}

std::optional<std::string_view> LabelsBuilder::Get(std::string_view name) const {
  if (name == kErrorLabel) {
    if (error_.empty()) return std::nullopt;
    return std::string_view(error_);
  }
  if (name == kErrorDetailsLabel) {
    if (error_details_.empty()) return std::nullopt;
    return std::string_view(error_details_);
  }
  for (size_t i = 0; i < n_set_; i++) {
    if (set_[i].name == name) return std::string_view(set_[i].value);
  }
  for (size_t i = 0; i < n_deleted_; i++) {
    if (deleted_[i] == name) return std::nullopt;
  }
  for (size_t i = metadata_.size(); i-- > 0;) {
    if (metadata_[i].name == name) return metadata_[i].value;
  }
  for (const Label& l : *stream_) {
    if (l.name == name) return std::string_view(l.value);
  }
  return std::nullopt;
}

bool LabelsBuilder::BaseHas(std::string_view name) const {
  for (const Label& l : *stream_) {
    if (l.name == name) return true;
  }
  return false;
}

bool LabelsBuilder::ParsedHas(std::string_view name) const {
  for (size_t i = 0; i < n_set_; i++) {
    if (set_[i].cat == LabelCategory::kParsed && set_[i].name == name) return true;
  }
  return false;
}

void LabelsBuilder::Set(LabelCategory cat, std::string_view name, std::string_view value) {
  if (name == kErrorLabel) {
    error_.assign(value);
    return;
  }
  if (name == kErrorDetailsLabel) {
    error_details_.assign(value);
    return;
  }
  for (size_t i = 0; i < n_deleted_; i++) {
    if (deleted_[i] == name) {
      std::swap(deleted_[i], deleted_[n_deleted_ - 1]);
      n_deleted_--;
      break;
    }
  }
  for (size_t i = 0; i < n_set_; i++) {
    if (set_[i].name == name) {
      set_[i].value.assign(value);
      set_[i].cat = cat;
      return;
    }
  }
  if (n_set_ == set_.size()) set_.emplace_back();
  Pair& p = set_[n_set_++];
  p.name.assign(name);
  p.value.assign(value);
  p.cat = cat;
}

void LabelsBuilder::Del(std::string_view name) {
  if (name == kErrorLabel) {
    error_.clear();
    return;
  }
  if (name == kErrorDetailsLabel) {
    error_details_.clear();
    return;
  }
  for (size_t i = 0; i < n_set_; i++) {
    if (set_[i].name == name) {
      std::swap(set_[i], set_[n_set_ - 1]);
      n_set_--;
      break;
    }
  }
  for (size_t i = 0; i < n_deleted_; i++) {
    if (deleted_[i] == name) return;
  }
  if (n_deleted_ == deleted_.size()) deleted_.emplace_back();
  deleted_[n_deleted_++].assign(name);
}

void LabelsBuilder::SetError(std::string_view error, std::string_view details) {
  if (!error_.empty()) return;
  error_.assign(error);
  error_details_.assign(details);
}

void LabelsBuilder::ClearError() {
  error_.clear();
  error_details_.clear();
}

bool LabelsBuilder::Modified() const {
  return n_set_ > 0 || n_deleted_ > 0 || !metadata_.empty() || !error_.empty() ||
         !error_details_.empty();
}

void LabelsBuilder::ForEach(
    const std::function<void(std::string_view, std::string_view)>& fn) const {
  // Gather (name, value) views, later categories overriding earlier ones.
  std::vector<LabelRef> all;
  all.reserve(stream_->size() + metadata_.size() + n_set_ + 2);
  auto hidden = [&](std::string_view name) {
    for (size_t i = 0; i < n_deleted_; i++) {
      if (deleted_[i] == name) return true;
    }
    for (size_t i = 0; i < n_set_; i++) {
      if (set_[i].name == name) return true;
    }
    return false;
  };
  for (size_t i = 0; i < metadata_.size(); i++) {
    const LabelRef& m = metadata_[i];
    if (hidden(m.name)) continue;
    bool later = false;
    for (size_t j = i + 1; j < metadata_.size(); j++) {
      if (metadata_[j].name == m.name) later = true;
    }
    if (!later) all.push_back(m);
  }
  size_t n_meta = all.size();
  for (const Label& l : *stream_) {
    if (hidden(l.name)) continue;
    bool in_meta = false;
    for (size_t j = 0; j < n_meta; j++) {
      if (all[j].name == l.name) in_meta = true;
    }
    if (!in_meta) all.push_back({l.name, l.value});
  }
  for (size_t i = 0; i < n_set_; i++) all.push_back({set_[i].name, set_[i].value});
  if (!error_.empty()) all.push_back({kErrorLabel, error_});
  if (!error_details_.empty()) all.push_back({kErrorDetailsLabel, error_details_});
  std::sort(all.begin(), all.end(),
            [](const LabelRef& a, const LabelRef& b) { return a.name < b.name; });
  for (const LabelRef& r : all) fn(r.name, r.value);
}

Labels LabelsBuilder::Result() const {
  Labels out;
  ForEach([&](std::string_view n, std::string_view v) {
    out.push_back(Label{std::string(n), std::string(v)});
  });
  return out;
}

}  // namespace logstack::logstore::pipeline
