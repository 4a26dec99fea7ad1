#include "logstore/wal/log_writer.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"

namespace logstack::logstore::wal {

RecordFramer::RecordFramer(uint64_t file_offset)
    : offset_(file_offset), block_offset_(file_offset % kBlockSize) {}

void RecordFramer::AppendFramed(std::string_view record, std::string* dst) {
  AppendFramed(std::string_view(), record, dst);
}

void RecordFramer::AppendFramed(std::string_view head, std::string_view tail, std::string* dst) {
  size_t left = head.size() + tail.size();
  // Room for the record and, per fragment, a header and at most a block's
  // zero trailer, so that a large record does not make *dst grow repeatedly.
  const size_t fragments = left / (kBlockSize - kHeaderSize) + 2;
  dst->reserve(dst->size() + left + fragments * 2 * kHeaderSize);
  bool begin = true;
  do {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      dst->append(leftover, '\0');
      offset_ += leftover;
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t fragment_length = std::min(left, avail);
    const bool end = fragment_length == left;
    RecordType type = begin && end ? RecordType::kFull
                      : begin      ? RecordType::kFirst
                      : end        ? RecordType::kLast
                                   : RecordType::kMiddle;
    const std::string_view a = head.substr(0, std::min(fragment_length, head.size()));
    const std::string_view b = tail.substr(0, fragment_length - a.size());
    AppendFragment(type, a, b, dst);
    head.remove_prefix(a.size());
    tail.remove_prefix(b.size());
    left -= fragment_length;
    begin = false;
  } while (left > 0);
}

void RecordFramer::AppendFragment(RecordType type, std::string_view a, std::string_view b,
                                  std::string* dst) {
  const size_t length = a.size() + b.size();
  const char type_byte = static_cast<char>(type);
  uint32_t crc = crc32c::Extend(0, &type_byte, 1);
  crc = crc32c::Extend(crc, a.data(), a.size());
  crc = crc32c::Extend(crc, b.data(), b.size());
  char header[kHeaderSize];
  EncodeFixed32(header, crc32c::Mask(crc));
  header[4] = static_cast<char>(length & 0xff);
  header[5] = static_cast<char>(length >> 8);
  header[6] = type_byte;
  dst->append(header, kHeaderSize);
  dst->append(a);
  dst->append(b);
  offset_ += kHeaderSize + length;
  block_offset_ += kHeaderSize + length;
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
