// Feeds arbitrary bytes to ChunkReader: Open, then iterate forward and
// backward (whole range and a slice, with and without a literal filter), and
// TailMayMatch. It must never crash or over-read (ASan), every failure must
// be a Corruption status, and what it returns must be consistent.
//
// The first input byte picks a mode:
//   even: the rest of the input is the chunk;
//   odd:  the rest drives a writer: a HeadChunk (encoding and block size
//         from the input) takes lines cut from the input, its encoding is
//         damaged by XOR bytes from the input, and the block checksums and
//         block index are recomputed, so the damage gets past the CRCs into
//         the frame, table and entry decoders. With no damage the entries
//         read back must be exactly the ones appended.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "logstore/chunk/chunk_format.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/chunk/head_chunk.h"
#include "tests/logstore/chunk/test_entries.h"

namespace {

namespace chunk = logstack::logstore::chunk;
using logstack::StatusCode;
using logstack::logstore::Direction;

using logstack::logstore::chunk::testing::Entry;
using logstack::logstore::chunk::testing::kMax;
using logstack::logstore::chunk::testing::kMin;

// Reads one direction; aborts on anything a reader must never do.
std::vector<Entry> ReadAll(const chunk::ChunkReader& reader, int64_t from, int64_t to,
                           Direction dir, chunk::BlockFilterPtr filter, bool* ok) {
  std::vector<Entry> out;
  auto it = reader.Iterator(from, to, dir, filter);
  while (it->Next()) {
    const auto& e = it->entry();
    if (e.timestamp_ns < from || e.timestamp_ns >= to) std::abort();
    if (!out.empty()) {
      int64_t prev = out.back().ts;
      if (dir == Direction::kForward ? e.timestamp_ns < prev : e.timestamp_ns > prev) std::abort();
    }
    // Views into the reader's bytes or the iterator's buffers: ASan checks
    // that they are readable.
    out.push_back({e.timestamp_ns, std::string(e.line), std::string(e.metadata)});
  }
  if (it->Next()) std::abort();  // stays at the end
  *ok = it->status().ok();
  if (!*ok && it->status().code() != StatusCode::kCorruption) std::abort();
  return out;
}

void Exercise(std::string bytes, const std::vector<Entry>* want) {
  {
    chunk::BlockFilter f;
    f.literals = {"ab"};
    (void)chunk::ChunkReader::TailMayMatch(bytes, bytes.size(), f, kMin, kMax);
  }
  auto reader = chunk::ChunkReader::Open(std::move(bytes));
  if (!reader.ok()) {
    if (reader.status().code() != StatusCode::kCorruption || want != nullptr) std::abort();
    return;
  }
  const chunk::ChunkReader& r = **reader;
  bool fwd_ok = false, back_ok = false;
  std::vector<Entry> fwd = ReadAll(r, kMin, kMax, Direction::kForward, nullptr, &fwd_ok);
  std::vector<Entry> back = ReadAll(r, kMin, kMax, Direction::kBackward, nullptr, &back_ok);
  if (fwd_ok && back_ok) {
    // Ties come out reversed backward: compare as multisets of timestamps.
    if (fwd.size() != back.size()) std::abort();
    for (size_t i = 0; i < fwd.size(); i++) {
      if (fwd[i].ts != back[back.size() - 1 - i].ts) std::abort();
    }
  }
  if (want != nullptr) {
    if (!fwd_ok || !back_ok || fwd != *want) std::abort();
  }
  // A slice, and a filter that keeps every block and one that keeps few.
  if (!r.blocks().empty()) {
    const chunk::BlockMeta& b = r.blocks()[r.blocks().size() / 2];
    bool ok = false;
    ReadAll(r, b.min_ts, b.max_ts, Direction::kBackward, nullptr, &ok);
    ReadAll(r, b.min_ts, b.max_ts, Direction::kForward, nullptr, &ok);
  }
  for (const char* lit : {"", "a", "\n"}) {
    auto filter = std::make_shared<chunk::BlockFilter>();
    filter->literals = {lit};
    bool ok = false;
    std::vector<Entry> got = ReadAll(r, kMin, kMax, Direction::kForward, filter, &ok);
    if (want != nullptr && ok && filter->skipped_entries.load() + got.size() != want->size()) {
      std::abort();
    }
    ReadAll(r, kMin, kMax, Direction::kBackward, filter, &ok);
  }
}

// Rewrites the block index of a chunk written by HeadChunk with every
// block's CRC recomputed (and the index's own).
std::string RecomputeChecksums(const std::string& chunk_bytes) {
  auto footer = chunk::DecodeChunkFooter(chunk_bytes);
  if (!footer.ok()) std::abort();
  std::string_view index =
      std::string_view(chunk_bytes).substr(footer->index_offset, footer->index_len);
  auto blocks = chunk::DecodeBlockIndex(index);
  if (!blocks.ok()) std::abort();
  for (chunk::BlockMeta& b : *blocks) {
    b.crc =
        logstack::crc32c::Value(std::string_view(chunk_bytes).substr(b.offset, b.compressed_len));
  }
  std::string out = chunk_bytes.substr(0, footer->index_offset);
  chunk::ChunkFooter f;
  f.index_offset = static_cast<uint32_t>(out.size());
  chunk::EncodeBlockIndex(*blocks, &out);
  f.index_len = static_cast<uint32_t>(out.size() - f.index_offset);
  f.index_crc = logstack::crc32c::Value(std::string_view(out).substr(f.index_offset));
  chunk::EncodeChunkFooter(f, &out);
  return out;
}

void Writer(std::string_view in) {
  if (in.size() < 2) return;
  chunk::ChunkOptions opts;
  opts.encoding = static_cast<chunk::Encoding>(static_cast<uint8_t>(in[0]) % 3);
  opts.level = 1;
  opts.block_size = 1024;
  const size_t damage_len = static_cast<uint8_t>(in[1]) % 16;
  in.remove_prefix(2);
  // The damage: pairs (position byte, XOR mask), from the input's end.
  std::string_view damage = in.substr(in.size() - std::min(in.size(), damage_len * 2));
  in.remove_suffix(damage.size());

  // Entries: a timestamp byte, then a line up to the next 0xff byte; every
  // fourth entry carries the line as metadata bytes too.
  chunk::HeadChunk head(opts);
  std::vector<Entry> appended;
  int64_t base = 0;
  while (!in.empty()) {
    base += static_cast<int8_t>(in[0]);
    in.remove_prefix(1);
    size_t end = std::min(in.find('\xff'), in.size());
    std::string line(in.substr(0, end));
    in.remove_prefix(std::min(end + 1, in.size()));
    std::string md = appended.size() % 4 == 3 ? line : "";
    if (head.Append(base, line, md)) appended.push_back({base, line, md});
    if (appended.size() % 37 == 36) head.CutBlock();
  }
  std::string bytes = head.Encode();
  std::stable_sort(appended.begin(), appended.end(),
                   [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
  if (damage.empty()) {
    // The head chunk's own iterator must agree too.
    auto it = head.Iterator(kMin, kMax, Direction::kForward);
    std::vector<Entry> got;
    while (it->Next()) {
      const auto& e = it->entry();
      got.push_back({e.timestamp_ns, std::string(e.line), std::string(e.metadata)});
    }
    if (!it->status().ok()) std::abort();
    std::erase_if(appended, [](const Entry& e) { return e.ts == kMax; });
    if (got != appended) std::abort();
    Exercise(std::move(bytes), &appended);
    return;
  }
  // Damage only the blocks, then fix their checksums.
  auto footer = chunk::DecodeChunkFooter(bytes);
  if (!footer.ok()) std::abort();
  auto blocks = chunk::DecodeBlockIndex(
      std::string_view(bytes).substr(footer->index_offset, footer->index_len));
  if (!blocks.ok()) std::abort();
  size_t blocks_end = chunk::kChunkHeaderSize;
  for (const chunk::BlockMeta& b : *blocks) {
    blocks_end = std::max<size_t>(blocks_end, b.offset + b.compressed_len);
  }
  const size_t span = blocks_end - chunk::kChunkHeaderSize;
  if (span == 0) return;
  for (size_t i = 0; i + 1 < damage.size(); i += 2) {
    size_t pos =
        chunk::kChunkHeaderSize + (static_cast<uint8_t>(damage[i]) * span / 256 + i * 7) % span;
    bytes[pos] ^= static_cast<char>(damage[i + 1] == 0 ? 1 : damage[i + 1]);
  }
  Exercise(RecomputeChecksums(bytes), nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    Exercise(std::string(in), nullptr);
  } else {
    Writer(in);
  }
  return 0;
}
