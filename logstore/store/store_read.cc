// Store's reads: Select and the metadata queries (labels, series, volumes).

#include <algorithm>
#include <cmath>
#include <set>

#include "logstore/chunk/chunk_reader.h"
#include "logstore/store/merge_iterator.h"
#include "logstore/store/store.h"
#include "logstore/store/store_internal.h"

namespace logstack::logstore {

StatusOr<std::vector<StreamSelection>> Store::Select(const std::string& tenant,
                                                     const std::vector<index::Matcher>& matchers,
                                                     int64_t from, int64_t to, Direction dir,
                                                     chunk::BlockFilterPtr filter) {
  std::vector<StreamSelection> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  for (index::StreamId id : t->index.Select(matchers)) {
    Stream* s = StreamById(*t, id);
    if (s == nullptr) continue;
    std::vector<LazySource> sources;
    std::lock_guard<std::mutex> sl(s->mu);
    for (const ChunkRef& ref : s->chunks) {
      if (ref.max_ts < from || ref.min_ts >= to) continue;
      auto pit = t->partitions.find(ref.partition);
      if (pit == t->partitions.end()) continue;
      std::shared_ptr<Partition> part = pit->second;
      sources.push_back(
          {ref.min_ts, ref.max_ts,
           [part, ref, from, to, dir, filter]() -> StatusOr<EntryIteratorPtr> {
             if (filter && !filter->literals.empty()) {
               // The trigram filter and the block index sit at
               // the end: look there before reading the blocks.
               LOGSTACK_ASSIGN_OR_RETURN(std::string tail, part->ReadChunkTail(ref, 48 << 10));
               if (!chunk::ChunkReader::TailMayMatch(tail, ref.length, *filter, from, to)) {
                 return chunk::NewBlockIterator(nullptr, {}, from, to, dir);
               }
             }
             LOGSTACK_ASSIGN_OR_RETURN(std::string bytes, part->ReadChunk(ref));
             auto reader = chunk::ChunkReader::Open(std::move(bytes));
             if (!reader.ok()) {
               return reader.status().Annotate(part->dir() + " chunk file " +
                                               std::to_string(ref.file_no) + " offset " +
                                               std::to_string(ref.offset));
             }
             return (*reader)->Iterator(from, to, dir, filter);
           }});
    }
    auto add_head = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
      if (!h || h->empty() || h->max_ts() < from || h->min_ts() >= to) return;
      EntryIteratorPtr it = h->Iterator(from, to, dir);
      auto holder = std::make_shared<EntryIteratorPtr>(std::move(it));
      sources.push_back({h->min_ts(), h->max_ts(),
                         [holder]() -> StatusOr<EntryIteratorPtr> { return std::move(*holder); }});
    };
    for (const auto& h : s->flushing) add_head(h);
    add_head(s->head);
    if (sources.empty()) continue;
    out.push_back({&s->labels, s->labels_string, NewMergeIterator(std::move(sources), dir)});
  }
  return out;
}

namespace {

bool StreamOverlaps(const Stream& s, int64_t from, int64_t to) {
  for (const ChunkRef& r : s.chunks) {
    if (r.max_ts >= from && r.min_ts < to) return true;
  }
  auto head_overlaps = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
    return h && !h->empty() && h->max_ts() >= from && h->min_ts() < to;
  };
  if (head_overlaps(s.head)) return true;
  for (const auto& h : s.flushing) {
    if (head_overlaps(h)) return true;
  }
  return false;
}

}  // namespace

StatusOr<std::vector<std::string>> Store::LabelNames(const std::string& tenant, int64_t from,
                                                     int64_t to,
                                                     const std::vector<index::Matcher>* matchers) {
  std::vector<std::string> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers ? t->index.Select(*matchers) : t->index.All();
  std::set<std::string> names;
  for (index::StreamId id : ids) {
    Stream* s = StreamById(*t, id);
    if (s == nullptr) continue;
    std::lock_guard<std::mutex> sl(s->mu);
    if (!StreamOverlaps(*s, from, to)) continue;
    for (const auto& l : s->labels) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<std::vector<std::string>> Store::LabelValues(const std::string& tenant,
                                                      const std::string& name, int64_t from,
                                                      int64_t to,
                                                      const std::vector<index::Matcher>* matchers) {
  std::vector<std::string> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids;
  if (matchers) {
    ids = t->index.Select(*matchers);
  } else {
    auto m = index::Matcher::Make(index::Matcher::Type::kRegex, name, ".+");
    if (!m.ok()) return m.status();
    ids = t->index.Select({*m});
  }
  std::set<std::string> values;
  for (index::StreamId id : ids) {
    Stream* s = StreamById(*t, id);
    if (s == nullptr) continue;
    std::lock_guard<std::mutex> sl(s->mu);
    if (!StreamOverlaps(*s, from, to)) continue;
    for (const auto& l : s->labels) {
      if (l.name == name) values.insert(l.value);
    }
  }
  return std::vector<std::string>(values.begin(), values.end());
}

StatusOr<std::vector<Labels>> Store::Series(const std::string& tenant,
                                            const std::vector<index::Matcher>& matchers,
                                            int64_t from, int64_t to) {
  std::vector<Labels> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers.empty() ? t->index.All() : t->index.Select(matchers);
  for (index::StreamId id : ids) {
    Stream* s = StreamById(*t, id);
    if (s == nullptr) continue;
    std::lock_guard<std::mutex> sl(s->mu);
    if (StreamOverlaps(*s, from, to)) out.push_back(s->labels);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<std::vector<StreamVolume>> Store::Volumes(const std::string& tenant,
                                                   const std::vector<index::Matcher>& matchers,
                                                   int64_t from, int64_t to) {
  std::vector<StreamVolume> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  // The share of [min_ts, max_ts] (both inclusive) inside [from, to).
  auto share = [from, to](int64_t min_ts, int64_t max_ts) {
    int64_t lo = std::max(min_ts, from);
    int64_t hi = std::min(max_ts, to - 1);
    if (hi < lo) return 0.0;
    return (static_cast<double>(hi) - static_cast<double>(lo) + 1) /
           (static_cast<double>(max_ts) - static_cast<double>(min_ts) + 1);
  };
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers.empty() ? t->index.All() : t->index.Select(matchers);
  for (index::StreamId id : ids) {
    Stream* s = StreamById(*t, id);
    if (s == nullptr) continue;
    std::lock_guard<std::mutex> sl(s->mu);
    StreamVolume v;
    double entries = 0;
    double bytes = 0;
    auto add = [&](int64_t min_ts, int64_t max_ts, double n, double raw) {
      double f = share(min_ts, max_ts);
      if (f <= 0) return;
      v.chunks++;
      entries += n * f;
      bytes += raw * f;
    };
    for (const ChunkRef& r : s->chunks) add(r.min_ts, r.max_ts, r.entries, r.raw_bytes);
    auto add_head = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
      if (!h || h->empty()) return;
      add(h->min_ts(), h->max_ts(), static_cast<double>(h->entries()),
          static_cast<double>(h->raw_bytes()));
    };
    for (const auto& h : s->flushing) add_head(h);
    add_head(s->head);
    if (v.chunks == 0) continue;
    v.labels = s->labels;
    // At least one entry and byte for a stream that has data in the range.
    v.entries = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(entries)));
    v.bytes = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(bytes)));
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const StreamVolume& a, const StreamVolume& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace logstack::logstore
