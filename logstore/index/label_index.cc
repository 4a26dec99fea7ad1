#include "logstore/index/label_index.h"

#include <algorithm>

namespace logstack::logstore::index {

Postings Intersect(const Postings& a, const Postings& b) {
  Postings out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Merge(const Postings& a, const Postings& b) {
  Postings out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

void LabelIndex::Add(StreamId id, const Labels& labels) {
  labels_[id] = labels;
  for (const auto& l : labels) {
    Postings& p = postings_[l.name][l.value];
    if (p.empty() || p.back() < id) {
      p.push_back(id);
    } else {
      p.insert(std::lower_bound(p.begin(), p.end(), id), id);
    }
  }
}

void LabelIndex::Remove(StreamId id) {
  auto it = labels_.find(id);
  if (it == labels_.end()) return;
  for (const auto& l : it->second) {
    auto n = postings_.find(l.name);
    if (n == postings_.end()) continue;
    auto v = n->second.find(l.value);
    if (v == n->second.end()) continue;
    auto pos = std::lower_bound(v->second.begin(), v->second.end(), id);
    if (pos != v->second.end() && *pos == id) v->second.erase(pos);
    if (v->second.empty()) n->second.erase(v);
    if (n->second.empty()) postings_.erase(n);
  }
  labels_.erase(it);
}

Postings LabelIndex::Union(const std::map<std::string, Postings, std::less<>>& values,
                           const Matcher& m) const {
  Postings out;
  for (const auto& [value, p] : values) {
    if (m.Matches(value)) out = Merge(out, p);
  }
  return out;
}

Postings LabelIndex::Select(const std::vector<Matcher>& matchers) const {
  bool have = false;
  Postings candidates;
  std::vector<const Matcher*> rest;
  // Equality first: the cheapest and usually the most selective.
  std::vector<const Matcher*> order;
  for (const auto& m : matchers) {
    if (m.type() == Matcher::Type::kEqual) order.push_back(&m);
  }
  for (const auto& m : matchers) {
    if (m.type() != Matcher::Type::kEqual) order.push_back(&m);
  }
  for (const Matcher* m : order) {
    bool restricting = !m->MatchesEmpty() && (m->type() == Matcher::Type::kEqual ||
                                              m->type() == Matcher::Type::kRegex);
    if (!restricting) {
      rest.push_back(m);
      continue;
    }
    auto n = postings_.find(m->name());
    if (n == postings_.end()) return {};
    Postings p;
    if (m->type() == Matcher::Type::kEqual) {
      auto v = n->second.find(m->value());
      if (v == n->second.end()) return {};
      p = v->second;
    } else {
      p = Union(n->second, *m);
    }
    candidates = have ? Intersect(candidates, p) : std::move(p);
    have = true;
    if (candidates.empty()) return {};
  }
  if (!have) candidates = All();
  if (rest.empty()) return candidates;
  Postings out;
  for (StreamId id : candidates) {
    const Labels& ls = labels_.at(id);
    bool ok = true;
    for (const Matcher* m : rest) {
      std::string_view value;
      for (const auto& l : ls) {
        if (l.name == m->name()) {
          value = l.value;
          break;
        }
      }
      if (!m->Matches(value)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(id);
  }
  return out;
}

const Labels* LabelIndex::LabelsOf(StreamId id) const {
  auto it = labels_.find(id);
  return it == labels_.end() ? nullptr : &it->second;
}

std::vector<std::string> LabelIndex::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, values] : postings_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> LabelIndex::Values(const std::string& name) const {
  std::vector<std::string> out;
  auto n = postings_.find(name);
  if (n == postings_.end()) return out;
  for (const auto& [value, p] : n->second) out.push_back(value);
  return out;
}

Postings LabelIndex::All() const {
  Postings out;
  out.reserve(labels_.size());
  for (const auto& [id, ls] : labels_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace logstack::logstore::index
