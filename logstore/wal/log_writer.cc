#include "logstore/wal/log_writer.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"

namespace logstack::logstore::wal {

RecordFramer::RecordFramer(uint64_t file_offset)
    : offset_(file_offset), block_offset_(file_offset % kBlockSize) {}

void RecordFramer::AppendFramed(std::string_view record, std::string* dst) {
  bool begin = true;
  do {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      dst->append(leftover, '\0');
      offset_ += leftover;
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t fragment_length = std::min(record.size(), avail);
    const bool end = fragment_length == record.size();
    RecordType type = begin && end ? RecordType::kFull
                      : begin      ? RecordType::kFirst
                      : end        ? RecordType::kLast
                                   : RecordType::kMiddle;
    AppendFragment(type, record.substr(0, fragment_length), dst);
    record.remove_prefix(fragment_length);
    begin = false;
  } while (!record.empty());
}

void RecordFramer::AppendFragment(RecordType type, std::string_view payload, std::string* dst) {
  const char type_byte = static_cast<char>(type);
  uint32_t crc = crc32c::Extend(0, &type_byte, 1);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  char header[kHeaderSize];
  EncodeFixed32(header, crc32c::Mask(crc));
  header[4] = static_cast<char>(payload.size() & 0xff);
  header[5] = static_cast<char>(payload.size() >> 8);
  header[6] = type_byte;
  dst->append(header, kHeaderSize);
  dst->append(payload);
  offset_ += kHeaderSize + payload.size();
  block_offset_ += kHeaderSize + payload.size();
}

LogWriter::LogWriter(WritableFile* dest) : dest_(dest), framer_(dest->Size()) {}

Status LogWriter::AddRecord(std::string_view record) {
  if (!error_.ok()) return error_;
  buf_.clear();
  framer_.AppendFramed(record, &buf_);
  Status s = dest_->Append(buf_);
  if (s.ok()) s = dest_->Flush();
  if (!s.ok()) error_ = s;
  return s;
}

}  // namespace logstack::logstore::wal
