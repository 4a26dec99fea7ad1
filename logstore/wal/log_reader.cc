#include "logstore/wal/log_reader.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"

namespace logstack::logstore::wal {

namespace {

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

constexpr int kFull = static_cast<int>(RecordType::kFull);
constexpr int kFirst = static_cast<int>(RecordType::kFirst);
constexpr int kMiddle = static_cast<int>(RecordType::kMiddle);
constexpr int kLast = static_cast<int>(RecordType::kLast);

}  // namespace

LogReader::LogReader(SequentialFile* file, Reporter* reporter, uint64_t initial_offset)
    : file_(file),
      reporter_(reporter),
      initial_offset_(initial_offset),
      backing_store_(std::make_unique<char[]>(kBlockSize)),
      resyncing_(initial_offset > 0) {}

void LogReader::Report(size_t bytes, std::string_view reason) {
  ReportStatus(bytes, Corruption(std::string(reason)));
}

void LogReader::ReportStatus(size_t bytes, const Status& reason) {
  if (reporter_ != nullptr) reporter_->Corruption(bytes, reason);
}

bool LogReader::SkipToInitialBlock() {
  const size_t offset_in_block = initial_offset_ % kBlockSize;
  uint64_t block_start = initial_offset_ - offset_in_block;
  // No fragment starts in a block's trailer: begin with the next block.
  if (offset_in_block > kBlockSize - kHeaderSize) block_start += kBlockSize;
  end_of_buffer_offset_ = block_start;
  if (block_start > 0) {
    Status s = file_->Skip(block_start);
    if (!s.ok()) {
      status_ = s;
      eof_ = true;
      ReportStatus(block_start, s);
      return false;
    }
  }
  return true;
}

bool LogReader::ReadBlock() {
  size_t n = 0;
  while (n < kBlockSize) {
    char* dst = backing_store_.get() + n;
    StatusOr<std::string_view> read = file_->Read(kBlockSize - n, dst);
    if (!read.ok()) {
      status_ = read.status();
      buffer_ = {};
      eof_ = true;
      ReportStatus(kBlockSize, status_);
      return false;
    }
    if (read->empty()) break;
    if (read->data() != dst) std::memmove(dst, read->data(), read->size());
    n += read->size();
  }
  buffer_ = std::string_view(backing_store_.get(), n);
  end_of_buffer_offset_ += n;
  if (n < kBlockSize) eof_ = true;
  return n > 0;
}

int LogReader::ReadPhysicalRecord(std::string_view* fragment) {
  while (true) {
    if (buffer_.size() < kHeaderSize) {
      if (!eof_) {
        // What is left of a full block is its zero trailer.
        buffer_ = {};
        ReadBlock();
        continue;
      }
      // The file ends here. Bytes that are not zeros are a torn header.
      if (!AllZero(buffer_)) Report(buffer_.size(), "truncated fragment header at end of file");
      buffer_ = {};
      return kEof;
    }

    const char* header = buffer_.data();
    const uint32_t masked_crc = DecodeFixed32(header);
    const size_t length = static_cast<uint8_t>(header[4]) |
                          (static_cast<size_t>(static_cast<uint8_t>(header[5])) << 8);
    const int type = static_cast<uint8_t>(header[6]);

    if (masked_crc == 0 && length == 0 && type == static_cast<int>(RecordType::kZero)) {
      // Zero-filled space: nobody wrote here. The writer never leaves a gap
      // inside a block, so only zeros may follow in this block.
      const size_t rest = buffer_.size();
      const bool all_zero = AllZero(buffer_);
      buffer_ = {};
      if (!all_zero) Report(rest, "data after zero-filled space");
      return kBadRecord;
    }

    if (kHeaderSize + length > buffer_.size()) {
      const size_t drop = buffer_.size();
      buffer_ = {};
      if (eof_) {
        Report(drop, "truncated fragment at end of file");
        return kEof;
      }
      Report(drop, "bad fragment length");
      return kBadRecord;
    }

    const uint32_t actual_crc = crc32c::Value(std::string_view(header + 6, 1 + length));
    if (actual_crc != crc32c::Unmask(masked_crc)) {
      // The length may be the damaged part, so nothing after it in this
      // block can be trusted.
      const size_t drop = buffer_.size();
      buffer_ = {};
      Report(drop, "checksum mismatch");
      return kBadRecord;
    }

    buffer_.remove_prefix(kHeaderSize + length);
    const uint64_t fragment_offset = end_of_buffer_offset_ - buffer_.size() - kHeaderSize - length;
    if (fragment_offset < initial_offset_) return kBadRecord;
    *fragment = std::string_view(header + kHeaderSize, length);
    return type;
  }
}

bool LogReader::ReadRecord(std::string_view* record, std::string* scratch) {
  if (!skipped_to_initial_block_) {
    skipped_to_initial_block_ = true;
    if (initial_offset_ > 0 && !SkipToInitialBlock()) return false;
  }

  scratch->clear();
  *record = {};
  bool in_fragmented_record = false;
  uint64_t prospective_offset = 0;
  size_t partial_bytes = 0;  // bytes of the fragments of the record being assembled
  std::string_view fragment;
  while (true) {
    const int type = ReadPhysicalRecord(&fragment);
    // Meaningful only when `type` is a record type.
    const uint64_t fragment_end = end_of_buffer_offset_ - buffer_.size();
    const uint64_t fragment_offset = fragment_end - kHeaderSize - fragment.size();
    const size_t fragment_bytes = kHeaderSize + fragment.size();

    if (resyncing_ && type >= kFull && type <= kLast) {
      // The tail of a record that began before initial_offset_: not damage.
      if (type == kMiddle) continue;
      resyncing_ = false;
      if (type == kLast) continue;
    }

    switch (type) {
      case kFull:
        if (in_fragmented_record) Report(partial_bytes, "partial record without end");
        scratch->clear();
        *record = fragment;
        last_record_offset_ = fragment_offset;
        last_record_end_ = fragment_end;
        return true;

      case kFirst:
        if (in_fragmented_record) Report(partial_bytes, "partial record without end");
        prospective_offset = fragment_offset;
        scratch->assign(fragment);
        in_fragmented_record = true;
        partial_bytes = fragment_bytes;
        break;

      case kMiddle:
        if (!in_fragmented_record) {
          Report(fragment_bytes, "missing start of fragmented record (middle)");
          break;
        }
        scratch->append(fragment);
        partial_bytes += fragment_bytes;
        break;

      case kLast:
        if (!in_fragmented_record) {
          Report(fragment_bytes, "missing start of fragmented record (last)");
          break;
        }
        scratch->append(fragment);
        *record = *scratch;
        last_record_offset_ = prospective_offset;
        last_record_end_ = fragment_end;
        return true;

      case kEof:
        if (in_fragmented_record) Report(partial_bytes, "incomplete record at end of file");
        scratch->clear();
        return false;

      case kBadRecord:
        if (in_fragmented_record) {
          Report(partial_bytes, "error in middle of record");
          in_fragmented_record = false;
          scratch->clear();
        }
        break;

      default:
        Report(fragment_bytes + (in_fragmented_record ? partial_bytes : 0),
               "unknown record type " + std::to_string(type));
        in_fragmented_record = false;
        scratch->clear();
        break;
    }
  }
}

}  // namespace logstack::logstore::wal
