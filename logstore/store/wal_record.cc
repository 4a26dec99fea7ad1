#include "logstore/store/wal_record.h"

#include <cassert>

#include "common/coding.h"

namespace logstack::logstore {
namespace {

// Five bytes hold counts below 2^35: more entries than a request can carry
// in memory.
constexpr size_t kCountBytes = 5;
constexpr uint64_t kMaxPaddedCount = (uint64_t{1} << (7 * kCountBytes)) - 1;

size_t ReserveCount(std::string* dst) {
  const size_t at = dst->size();
  dst->append(kCountBytes, '\0');
  return at;
}

// Writes v at dst[at, at + kCountBytes) as a varint of exactly kCountBytes
// bytes: continuation bits on every byte but the last.
void PatchCount(std::string* dst, size_t at, uint64_t v) {
  assert(v <= kMaxPaddedCount);
  char* p = dst->data() + at;
  for (size_t i = 0; i + 1 < kCountBytes; i++) {
    p[i] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[kCountBytes - 1] = static_cast<char>(v & 0x7f);
}

}  // namespace

void WalRecordWriter::Begin(std::string_view tenant, size_t reserve) {
  buf_->clear();
  buf_->reserve(reserve);
  buf_->push_back(static_cast<char>(kWalEntriesRecord));
  PutLengthPrefixed(buf_, tenant);
  streams_at_ = ReserveCount(buf_);
  streams_ = 0;
}

void WalRecordWriter::BeginStream(std::string_view labels) {
  stream_begin_ = buf_->size();
  PutLengthPrefixed(buf_, labels);
  entries_at_ = ReserveCount(buf_);
  entries_ = 0;
  prev_ts_ = 0;
}

void WalRecordWriter::AddEntry(int64_t ts, std::string_view line, std::string_view md) {
  PutVarsint64(buf_, ts - prev_ts_);
  prev_ts_ = ts;
  PutLengthPrefixed(buf_, line);
  PutVarint64(buf_, md.size());
  buf_->append(md);
  entries_++;
}

void WalRecordWriter::EndStream() {
  if (entries_ == 0) {
    buf_->resize(stream_begin_);
    return;
  }
  PatchCount(buf_, entries_at_, entries_);
  streams_++;
}

std::string_view WalRecordWriter::Finish() {
  if (streams_ == 0) return {};
  PatchCount(buf_, streams_at_, streams_);
  return *buf_;
}

Status WalRecordReader::Open() {
  if (in_.empty() || static_cast<uint8_t>(in_[0]) != kWalEntriesRecord) {
    return Corruption("unknown WAL record kind");
  }
  in_.remove_prefix(1);
  if (!GetLengthPrefixed(&in_, &tenant_) || !GetVarint64(&in_, &streams_left_)) {
    return Corruption("truncated WAL record header");
  }
  return Status::Ok();
}

Status WalRecordReader::NextStream(bool* more) {
  // Entries the caller did not read are skipped.
  bool entry = true;
  while (entries_left_ > 0 && entry) LOGSTACK_RETURN_IF_ERROR(NextEntry(&entry));
  *more = false;
  if (streams_left_ == 0) {
    if (!in_.empty()) return Corruption("trailing bytes in WAL record");
    return Status::Ok();
  }
  streams_left_--;
  if (!GetLengthPrefixed(&in_, &labels_) || !GetVarint64(&in_, &entries_left_)) {
    return Corruption("truncated WAL stream header");
  }
  ts_ = 0;
  *more = true;
  return Status::Ok();
}

Status WalRecordReader::NextEntry(bool* more) {
  *more = false;
  if (entries_left_ == 0) return Status::Ok();
  entries_left_--;
  int64_t delta;
  uint64_t md_len;
  if (!GetVarsint64(&in_, &delta) || !GetLengthPrefixed(&in_, &line_) ||
      !GetVarint64(&in_, &md_len) || md_len > in_.size()) {
    return Corruption("truncated WAL entry");
  }
  // Unsigned: damaged deltas may overflow, which must not be undefined.
  ts_ = static_cast<int64_t>(static_cast<uint64_t>(ts_) + static_cast<uint64_t>(delta));
  metadata_ = in_.substr(0, md_len);
  in_.remove_prefix(md_len);
  *more = true;
  return Status::Ok();
}

}  // namespace logstack::logstore
