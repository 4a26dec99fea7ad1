#include "logstore/index/index_log.h"

#include "common/coding.h"
#include "logstore/wal/log_reader.h"

namespace logstack::logstore::index {
namespace {

constexpr uint8_t kChunkRefRecord = 1;

class DamageCounter : public wal::LogReader::Reporter {
 public:
  DamageCounter(const std::string& path, IndexLogStats* stats) : path_(path), stats_(stats) {}
  void Corruption(size_t bytes, const Status& reason) override {
    stats_->corruptions++;
    stats_->last_error =
        path_ + ": " + std::to_string(bytes) + " bytes dropped: " + reason.ToString();
  }

 private:
  const std::string& path_;
  IndexLogStats* stats_;
};

}  // namespace

std::string EncodeChunkRef(std::string_view labels, const ChunkRef& r) {
  std::string out;
  out.push_back(static_cast<char>(kChunkRefRecord));
  PutLengthPrefixed(&out, labels);
  PutVarsint64(&out, r.min_ts);
  PutVarsint64(&out, r.max_ts);
  PutVarint64(&out, r.file_no);
  PutVarint64(&out, r.offset);
  PutVarint64(&out, r.length);
  PutVarint64(&out, r.entries);
  PutVarint64(&out, r.raw_bytes);
  PutVarint64(&out, r.max_seq);
  return out;
}

bool DecodeChunkRef(std::string_view in, std::string_view* labels, ChunkRef* r) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kChunkRefRecord) return false;
  in.remove_prefix(1);
  int64_t min_ts, max_ts;
  uint64_t file_no, offset, length, entries, raw, seq;
  if (!GetLengthPrefixed(&in, labels) || !GetVarsint64(&in, &min_ts) ||
      !GetVarsint64(&in, &max_ts) || !GetVarint64(&in, &file_no) || !GetVarint64(&in, &offset) ||
      !GetVarint64(&in, &length) || !GetVarint64(&in, &entries) || !GetVarint64(&in, &raw) ||
      !GetVarint64(&in, &seq) || !in.empty()) {
    return false;
  }
  if (file_no > UINT32_MAX || length > UINT32_MAX || entries > UINT32_MAX || min_ts > max_ts ||
      offset > UINT64_MAX - length) {
    return false;
  }
  r->min_ts = min_ts;
  r->max_ts = max_ts;
  r->file_no = static_cast<uint32_t>(file_no);
  r->offset = offset;
  r->length = static_cast<uint32_t>(length);
  r->entries = static_cast<uint32_t>(entries);
  r->raw_bytes = raw;
  r->max_seq = seq;
  return true;
}

StatusOr<IndexLogStats> ReadIndexLog(
    Env* env, const std::string& path,
    const std::function<void(std::string_view labels, const ChunkRef& ref)>& fn) {
  IndexLogStats stats;
  LOGSTACK_ASSIGN_OR_RETURN(SequentialFilePtr file, env->NewSequentialFile(path));
  DamageCounter reporter(path, &stats);
  wal::LogReader reader(file.get(), &reporter);
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) {
    std::string_view labels;
    ChunkRef ref;
    if (!DecodeChunkRef(record, &labels, &ref)) {
      reporter.Corruption(record.size(), Corruption("undecodable chunk reference"));
      continue;
    }
    stats.records++;
    fn(labels, ref);
  }
  LOGSTACK_RETURN_IF_ERROR(reader.status());
  stats.good_end = reader.LastRecordEnd();
  return stats;
}

}  // namespace logstack::logstore::index
