#pragma once

// LabelIndex: the in-memory inverted index of one tenant's streams.
//
//   label name -> label value -> postings (sorted stream ids)
//   stream id  -> label set
//
// Select() intersects the postings of the matchers that restrict the set
// (equality with a non-empty value, regexes that cannot match the empty
// string) and then checks the remaining matchers on the few candidates, so an
// equality matcher never visits streams that lack its value.
//
// Thread safety: not synchronised; the owning tenant guards it with a
// shared (reader/writer) lock.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "logstore/index/matcher.h"
#include "logstore/model/types.h"

namespace logstack::logstore::index {

using StreamId = uint32_t;
using Postings = std::vector<StreamId>;  // sorted, unique

class LabelIndex {
 public:
  // REQUIRES: id not present. Ids need not arrive in order.
  void Add(StreamId id, const Labels& labels);
  // Removes a stream; a no-op for an unknown id.
  void Remove(StreamId id);

  // Sorted ids of the streams every matcher accepts. With no restricting
  // matcher it falls back to a scan of all streams.
  Postings Select(const std::vector<Matcher>& matchers) const;

  const Labels* LabelsOf(StreamId id) const;
  size_t size() const { return labels_.size(); }
  // Every label name, sorted.
  std::vector<std::string> Names() const;
  // Every value of a name, sorted.
  std::vector<std::string> Values(const std::string& name) const;
  // All ids, sorted.
  Postings All() const;

 private:
  Postings Union(const std::map<std::string, Postings, std::less<>>& values,
                 const Matcher& m) const;

  std::unordered_map<std::string, std::map<std::string, Postings, std::less<>>> postings_;
  std::unordered_map<StreamId, Labels> labels_;
};

// Sorted-set operations on postings.
Postings Intersect(const Postings& a, const Postings& b);
Postings Merge(const Postings& a, const Postings& b);

}  // namespace logstack::logstore::index
