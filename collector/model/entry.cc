#include "collector/model/entry.h"

#include <algorithm>

#include "common/go/strconv.h"

namespace logstack::collector {
namespace {

bool NameLess(const LabelPair& p, std::string_view name) { return p.first < name; }

}  // namespace

LabelSet::LabelSet(std::vector<LabelPair> pairs) {
  // Stable, so that among repeated names the last one given wins below.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const LabelPair& a, const LabelPair& b) { return a.first < b.first; });
  for (auto& p : pairs) {
    if (!pairs_.empty() && pairs_.back().first == p.first) {
      pairs_.back().second = std::move(p.second);
    } else {
      pairs_.push_back(std::move(p));
    }
  }
  std::erase_if(pairs_, [](const LabelPair& p) { return p.second.empty(); });
}

void LabelSet::Set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    Remove(name);
    return;
  }
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name, NameLess);
  if (it != pairs_.end() && it->first == name) {
    it->second.assign(value);
  } else {
    pairs_.insert(it, LabelPair(std::string(name), std::string(value)));
  }
}

void LabelSet::Remove(std::string_view name) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name, NameLess);
  if (it != pairs_.end() && it->first == name) pairs_.erase(it);
}

const std::string* LabelSet::Get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name, NameLess);
  if (it != pairs_.end() && it->first == name) return &it->second;
  return nullptr;
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < pairs_.size(); ++i) {
    if (i > 0) out += ", ";
    out += pairs_[i].first;
    out += '=';
    go::AppendQuote(pairs_[i].second, go::Printable::kSpacesAndFormatChars, &out);
  }
  out += '}';
  return out;
}

}  // namespace logstack::collector
