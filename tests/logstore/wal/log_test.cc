// Record framing: LogWriter / RecordFramer against LogReader, including every
// kind of damage the reader must survive.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/mem_env.h"
#include "logstore/wal/log_format.h"
#include "logstore/wal/log_reader.h"
#include "logstore/wal/log_writer.h"

namespace logstack::logstore::wal {
namespace {

// A SequentialFile over bytes in memory that returns at most max_read bytes
// per Read(), to exercise readers that must loop.
class StringFile final : public SequentialFile {
 public:
  explicit StringFile(std::string_view data, size_t max_read = std::numeric_limits<size_t>::max())
      : data_(data), max_read_(max_read) {}

  StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    if (fail_after_reads_ == 0) return IOError("injected read error");
    fail_after_reads_--;
    if (pos_ >= data_.size()) return std::string_view();
    size_t len = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(scratch, data_.data() + pos_, len);
    pos_ += len;
    return std::string_view(scratch, len);
  }
  Status Skip(uint64_t n) override {
    pos_ += n;
    return Status::Ok();
  }
  void FailAfterReads(int n) { fail_after_reads_ = n; }

 private:
  std::string_view data_;
  size_t max_read_;
  size_t pos_ = 0;
  int fail_after_reads_ = -1;  // never
};

class CollectingReporter final : public LogReader::Reporter {
 public:
  void Corruption(size_t bytes, const Status& reason) override {
    dropped += bytes;
    reasons.push_back(reason.ToString());
  }
  size_t dropped = 0;
  std::vector<std::string> reasons;
};

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;  // LastRecordOffset() of each
  std::vector<uint64_t> ends;     // LastRecordEnd() of each
  size_t dropped = 0;
  std::vector<std::string> reasons;
  Status status;
};

ReadResult ReadAll(std::string_view data, uint64_t initial_offset = 0,
                   size_t max_read = std::numeric_limits<size_t>::max()) {
  StringFile file(data, max_read);
  CollectingReporter reporter;
  LogReader reader(&file, &reporter, initial_offset);
  ReadResult result;
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) {
    result.records.emplace_back(record);
    result.offsets.push_back(reader.LastRecordOffset());
    result.ends.push_back(reader.LastRecordEnd());
  }
  result.dropped = reporter.dropped;
  result.reasons = reporter.reasons;
  result.status = reader.status();
  return result;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + "; ";
  return out;
}

// Deterministic bytes, different for every (seed, size).
std::string RandomString(std::mt19937_64* rng, size_t size) {
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>((*rng)() & 0xff);
  return s;
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.CreateDirs("/d").ok()); }

  // Writes records with a LogWriter to a fresh file and returns its bytes.
  std::string Write(const std::vector<std::string>& records) {
    WritableFilePtr file = *env_.NewWritableFile(kPath);
    LogWriter writer(file.get());
    for (const std::string& r : records) EXPECT_TRUE(writer.AddRecord(r).ok());
    EXPECT_TRUE(file->Close().ok());
    return *ReadFileToString(&env_, kPath);
  }

  // Round trip with no damage: every record back, nothing reported.
  void ExpectRoundTrip(const std::vector<std::string>& records) {
    std::string data = Write(records);
    for (size_t max_read : {std::numeric_limits<size_t>::max(), size_t{1000}}) {
      ReadResult got = ReadAll(data, 0, max_read);
      EXPECT_TRUE(got.status.ok());
      EXPECT_EQ(got.dropped, 0u) << Join(got.reasons);
      ASSERT_EQ(got.records.size(), records.size());
      for (size_t i = 0; i < records.size(); i++) {
        ASSERT_EQ(got.records[i], records[i]) << "record " << i;
      }
    }
  }

  static constexpr const char* kPath = "/d/log";
  MemEnv env_;
};

TEST_F(LogTest, EmptyFile) {
  ReadResult got = ReadAll("");
  EXPECT_TRUE(got.records.empty());
  EXPECT_EQ(got.dropped, 0u);
}

TEST_F(LogTest, EmptyRecord) {
  std::string data = Write({""});
  EXPECT_EQ(data.size(), kHeaderSize);
  ExpectRoundTrip({""});
  ExpectRoundTrip({"", "a", "", ""});
}

TEST_F(LogTest, SmallRecords) {
  std::string data = Write({"foo", "bar"});
  EXPECT_EQ(data.size(), 2 * kHeaderSize + 6);
  // The framing of docs/storage.md: masked crc of type+payload, fixed16 length, type.
  EXPECT_EQ(static_cast<uint8_t>(data[4]), 3);
  EXPECT_EQ(static_cast<uint8_t>(data[5]), 0);
  EXPECT_EQ(data[6], static_cast<char>(RecordType::kFull));
  EXPECT_EQ(crc32c::Unmask(DecodeFixed32(data.data())),
            crc32c::Value(std::string_view(data.data() + 6, 4)));
  EXPECT_EQ(data.substr(kHeaderSize, 3), "foo");
  ExpectRoundTrip({"foo", "bar", "", "xxxx"});
}

TEST_F(LogTest, RecordExactlyFillingABlock) {
  const std::string exact(kBlockSize - kHeaderSize, 'x');
  std::string data = Write({exact, "next"});
  EXPECT_EQ(data.size(), kBlockSize + kHeaderSize + 4);
  EXPECT_EQ(data[6], static_cast<char>(RecordType::kFull));
  ExpectRoundTrip({exact, "next"});
  ExpectRoundTrip({exact});
  ExpectRoundTrip({exact, exact, exact});
}

TEST_F(LogTest, OneByteTooBigForABlockIsSplit) {
  const std::string big(kBlockSize - kHeaderSize + 1, 'y');
  std::string data = Write({big});
  EXPECT_EQ(data.size(), kBlockSize + kHeaderSize + 1);
  EXPECT_EQ(data[6], static_cast<char>(RecordType::kFirst));
  EXPECT_EQ(data[kBlockSize + 6], static_cast<char>(RecordType::kLast));
  ExpectRoundTrip({big});
}

TEST_F(LogTest, ShortBlockTrailerIsZeroFilled) {
  // Leaves 3 bytes in the first block: too few for a header.
  const std::string first(kBlockSize - kHeaderSize - 3, 'a');
  std::string data = Write({first, "b"});
  EXPECT_EQ(data.size(), kBlockSize + kHeaderSize + 1);
  EXPECT_EQ(data.substr(kBlockSize - 3, 3), std::string(3, '\0'));
  ExpectRoundTrip({first, "b"});

  // Exactly a header's worth left: the next record starts there with an empty FIRST.
  const std::string first7(kBlockSize - 2 * kHeaderSize, 'a');
  data = Write({first7, "bc"});
  EXPECT_EQ(data[kBlockSize - kHeaderSize + 6], static_cast<char>(RecordType::kFirst));
  EXPECT_EQ(data[kBlockSize - kHeaderSize + 4], 0);
  ExpectRoundTrip({first7, "bc"});
}

TEST_F(LogTest, MultiBlockRecords) {
  std::mt19937_64 rng(1);
  ExpectRoundTrip({RandomString(&rng, 3 * kBlockSize + 100)});
  ExpectRoundTrip({"a", RandomString(&rng, 5 * kBlockSize), "b", RandomString(&rng, 100000)});
  ExpectRoundTrip({RandomString(&rng, 2 * (kBlockSize - kHeaderSize))});  // FIRST + LAST, full
  ExpectRoundTrip({RandomString(&rng, 3 * (kBlockSize - kHeaderSize))});  // with a MIDDLE
}

TEST_F(LogTest, ManyRecordsOfMixedSizes) {
  std::mt19937_64 rng(2);
  std::vector<std::string> records;
  for (int i = 0; i < 2000; i++) {
    size_t size = (i % 50 == 0) ? rng() % 100000 : rng() % 300;
    records.push_back(RandomString(&rng, size));
  }
  ExpectRoundTrip(records);
}

TEST_F(LogTest, FramerProducesWhatTheWriterWrites) {
  std::mt19937_64 rng(3);
  std::vector<std::string> records;
  for (int i = 0; i < 200; i++) records.push_back(RandomString(&rng, rng() % 5000));
  std::string data = Write(records);

  RecordFramer framer;
  std::string framed;
  for (const std::string& r : records) framer.AppendFramed(r, &framed);
  EXPECT_EQ(framed, data);
  EXPECT_EQ(framer.offset(), data.size());

  // Framing from an offset gives the tail of the same bytes.
  const uint64_t split = ReadAll(data).offsets[100];
  RecordFramer tail_framer(split);
  std::string tail;
  for (size_t i = 100; i < records.size(); i++) tail_framer.AppendFramed(records[i], &tail);
  EXPECT_EQ(tail, data.substr(split));
}

// A record given as head + tail frames to the same bytes as the two joined,
// wherever the split falls: inside a fragment, on a fragment boundary, at
// either end, with the file offset anywhere in a block.
TEST_F(LogTest, FramingInTwoPiecesEqualsFramingTheJoinedRecord) {
  std::mt19937_64 rng(11);
  const size_t frag = kBlockSize - kHeaderSize;
  const std::vector<size_t> sizes = {0, 1, 8, 100, frag - 1, frag, frag + 1, 3 * frag + 17};
  const std::vector<uint64_t> offsets = {0, 5, kBlockSize - kHeaderSize, kBlockSize - 3,
                                         3 * kBlockSize + 1000};
  for (uint64_t offset : offsets) {
    for (size_t size : sizes) {
      const std::string record = RandomString(&rng, size);
      std::vector<size_t> splits = {0, size, size / 2, std::min<size_t>(8, size)};
      if (size > frag) splits.push_back(frag);
      if (size > frag + 1) splits.push_back(frag + 1);
      for (size_t split : splits) {
        RecordFramer joined(offset);
        RecordFramer pieces(offset);
        std::string want = "prefix";
        std::string got = "prefix";
        joined.AppendFramed(record, &want);
        pieces.AppendFramed(std::string_view(record).substr(0, split),
                            std::string_view(record).substr(split), &got);
        ASSERT_EQ(got, want) << "offset " << offset << " size " << size << " split " << split;
        EXPECT_EQ(pieces.offset(), joined.offset());
      }
    }
  }
  // And what it frames reads back as the joined record.
  RecordFramer framer;
  std::string data;
  const std::string big = RandomString(&rng, 2 * kBlockSize + 5);
  framer.AppendFramed("12345678", big, &data);
  framer.AppendFramed("", "small", &data);
  ReadResult got = ReadAll(data);
  EXPECT_EQ(got.dropped, 0u) << Join(got.reasons);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0], "12345678" + big);
  EXPECT_EQ(got.records[1], "small");
}

TEST_F(LogTest, WriterReopenedOnExistingFileContinuesTheBlocks) {
  std::mt19937_64 rng(4);
  std::vector<std::string> records;
  for (int round = 0; round < 5; round++) {
    WritableFilePtr file = *env_.NewAppendableFile(kPath);
    LogWriter writer(file.get());
    for (int i = 0; i < 20; i++) {
      records.push_back(RandomString(&rng, rng() % (i == 7 ? 3 * kBlockSize : 900)));
      ASSERT_TRUE(writer.AddRecord(records.back()).ok());
    }
    ASSERT_TRUE(file->Close().ok());
  }
  std::string data = *ReadFileToString(&env_, kPath);
  ReadResult got = ReadAll(data);
  EXPECT_EQ(got.dropped, 0u) << Join(got.reasons);
  EXPECT_EQ(got.records, records);
}

TEST_F(LogTest, ReadingFromAnInitialOffset) {
  std::mt19937_64 rng(5);
  std::vector<std::string> records;
  for (int i = 0; i < 100; i++) {
    records.push_back(RandomString(&rng, rng() % (i % 10 == 0 ? 2 * kBlockSize : 2000)));
  }
  std::string data = Write(records);
  ReadResult all = ReadAll(data);
  ASSERT_EQ(all.records, records);
  for (size_t i = 0; i < records.size(); i++) {
    // Starting exactly at a record returns it and everything after.
    ReadResult from = ReadAll(data, all.offsets[i]);
    EXPECT_EQ(from.dropped, 0u) << Join(from.reasons);
    ASSERT_EQ(from.records.size(), records.size() - i) << "from record " << i;
    EXPECT_EQ(from.records.front(), records[i]);
    EXPECT_EQ(from.offsets.front(), all.offsets[i]);
    // Starting one byte later skips it, without reporting damage.
    ReadResult after = ReadAll(data, all.offsets[i] + 1);
    EXPECT_EQ(after.dropped, 0u) << Join(after.reasons);
    ASSERT_EQ(after.records.size(), records.size() - i - 1) << "after record " << i;
  }
  EXPECT_TRUE(ReadAll(data, data.size()).records.empty());
  EXPECT_TRUE(ReadAll(data, data.size() + 5 * kBlockSize).records.empty());
}

// Every returned record must be one of the originals, in order.
void ExpectSubsequence(const std::vector<std::string>& got, const std::vector<std::string>& all) {
  size_t j = 0;
  for (const std::string& g : got) {
    while (j < all.size() && all[j] != g) j++;
    ASSERT_LT(j, all.size()) << "returned a record that was never written (size " << g.size()
                             << ")";
    j++;
  }
}

TEST_F(LogTest, FlippedPayloadBitDropsTheRestOfTheBlockOnly) {
  // r0..r2 in block 0, r3 starts block 1 (r2 fills block 0 up), r4 after it.
  const std::string r0 = "first", r1 = "second-record", r3 = "fourth", r4 = "fifth";
  const std::string r2(kBlockSize - 3 * kHeaderSize - r0.size() - r1.size(), 'z');
  std::vector<std::string> records = {r0, r1, r2, r3, r4};
  std::string data = Write(records);
  ASSERT_EQ(ReadAll(data).offsets[3], kBlockSize);

  const size_t r1_payload = kHeaderSize + r0.size() + kHeaderSize + 3;
  std::string damaged = data;
  damaged[r1_payload] ^= 0x10;
  ReadResult got = ReadAll(damaged);
  EXPECT_EQ(got.records, (std::vector<std::string>{r0, r3, r4}));
  EXPECT_EQ(got.dropped, kBlockSize - (kHeaderSize + r0.size()));
  ASSERT_EQ(got.reasons.size(), 1u);
  EXPECT_NE(got.reasons[0].find("checksum"), std::string::npos) << got.reasons[0];
}

TEST_F(LogTest, DamagedHeaderFields) {
  const std::vector<std::string> records = {"aaaa", "bbbbbbbb", "cc"};
  std::string data = Write(records);
  const size_t second = kHeaderSize + 4;
  for (size_t field = 0; field < kHeaderSize; field++) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string damaged = data;
      damaged[second + field] = static_cast<char>(damaged[second + field] ^ mask);
      ReadResult got = ReadAll(damaged);
      ExpectSubsequence(got.records, records);
      ASSERT_FALSE(got.records.empty());
      EXPECT_EQ(got.records[0], "aaaa");
      EXPECT_EQ(std::count(got.records.begin(), got.records.end(), "bbbbbbbb"), 0)
          << "field " << field;
      EXPECT_GT(got.dropped, 0u) << "field " << field << " mask " << int(mask);
    }
  }
}

TEST_F(LogTest, DamageInsideAMultiBlockRecordKeepsTheRecordsAfterIt) {
  std::mt19937_64 rng(6);
  const std::string big = RandomString(&rng, 3 * kBlockSize);  // blocks 0..3
  const std::vector<std::string> records = {"before", big, "after1", "after2"};
  std::string data = Write(records);
  std::string damaged = data;
  damaged[kBlockSize + 100] ^= 0x04;  // inside the MIDDLE fragment of block 1
  ReadResult got = ReadAll(damaged);
  // Block 1 is skipped; the orphaned MIDDLE and LAST of `big` are dropped on
  // their own, so the records sharing the LAST's block survive.
  EXPECT_EQ(got.records, (std::vector<std::string>{"before", "after1", "after2"}));
  EXPECT_GE(got.dropped, big.size());
  EXPECT_GE(got.reasons.size(), 3u) << Join(got.reasons);
}

TEST_F(LogTest, EveryFlippedByteIsCaught) {
  std::mt19937_64 rng(7);
  std::vector<std::string> records;
  for (int i = 0; i < 30; i++) records.push_back(RandomString(&rng, rng() % 3000));
  records.push_back(RandomString(&rng, kBlockSize + 77));
  std::string data = Write(records);
  for (size_t pos = 0; pos < data.size(); pos += 97) {
    // Block trailers hold no data: damage there harms nothing.
    if (pos % kBlockSize > kBlockSize - kHeaderSize && data[pos] == '\0') continue;
    std::string damaged = data;
    damaged[pos] ^= 0x20;
    ReadResult got = ReadAll(damaged);
    ExpectSubsequence(got.records, records);
    if (HasFatalFailure()) return;
    EXPECT_LT(got.records.size(), records.size()) << "pos " << pos;
    EXPECT_GT(got.dropped, 0u) << "pos " << pos;
  }
}

// A file cut anywhere inside its last record (a crash during the write) gives
// back every earlier record, never the cut one, and reports the dropped bytes.
void CheckTruncationsOfLastRecord(const std::vector<std::string>& records,
                                  const std::string& data) {
  ReadResult all = ReadAll(data);
  ASSERT_EQ(all.records, records);
  const uint64_t start = all.offsets.back();
  const std::vector<std::string> expected(records.begin(), records.end() - 1);
  for (uint64_t cut = start + 1; cut < data.size(); cut++) {
    ReadResult got = ReadAll(std::string_view(data).substr(0, cut));
    ASSERT_EQ(got.records.size(), expected.size()) << "cut at " << cut;
    ASSERT_TRUE(got.records == expected) << "cut at " << cut;
    ASSERT_GT(got.dropped, 0u) << "cut at " << cut;
    ASSERT_LE(got.dropped, cut - start) << "cut at " << cut << ": " << Join(got.reasons);
  }
}

TEST_F(LogTest, TruncatedTailAtEveryOffsetOfASmallLastRecord) {
  const std::vector<std::string> records = {"one", "two", std::string(200, 't')};
  CheckTruncationsOfLastRecord(records, Write(records));
}

TEST_F(LogTest, TruncatedTailAtEveryOffsetOfAMultiBlockLastRecord) {
  std::mt19937_64 rng(8);
  // The last record starts 11 bytes before the end of block 0, so its FIRST
  // fragment is tiny and the cuts cover headers at a block's end and FIRST,
  // MIDDLE and LAST fragments.
  const std::string pad(kBlockSize - 3 * kHeaderSize - 5, 'p');
  const std::vector<std::string> records = {"r", pad, RandomString(&rng, kBlockSize + 9)};
  ASSERT_EQ(kHeaderSize + 1 + kHeaderSize + pad.size(), kBlockSize - 11);
  CheckTruncationsOfLastRecord(records, Write(records));
}

TEST_F(LogTest, ZeroFilledTailIsSkippedSilently) {
  const std::vector<std::string> records = {"a", std::string(5000, 'b'), "c"};
  std::string data = Write(records);
  for (size_t zeros :
       {size_t{1}, size_t{6}, size_t{7}, size_t{100}, kBlockSize, 3 * kBlockSize + 17}) {
    ReadResult got = ReadAll(data + std::string(zeros, '\0'));
    EXPECT_EQ(got.records, records) << zeros << " zeros";
    EXPECT_EQ(got.dropped, 0u) << zeros << " zeros: " << Join(got.reasons);
  }
}

TEST_F(LogTest, DataAfterZerosInABlockIsReported) {
  std::string data = Write({"a"});
  data += std::string(100, '\0');
  data += "garbage";
  ReadResult got = ReadAll(data);
  EXPECT_EQ(got.records, std::vector<std::string>{"a"});
  EXPECT_GT(got.dropped, 0u);
}

TEST_F(LogTest, ZerosInsideAFragmentedRecordAreCorruption) {
  std::mt19937_64 rng(9);
  const std::vector<std::string> records = {"a", RandomString(&rng, 2 * kBlockSize)};
  std::string data = Write(records);
  // Block 1 (a MIDDLE) never reached the disk.
  std::fill(data.begin() + kBlockSize, data.begin() + 2 * kBlockSize, '\0');
  ReadResult got = ReadAll(data);
  EXPECT_EQ(got.records, std::vector<std::string>{"a"});
  EXPECT_GT(got.dropped, 0u);
}

TEST_F(LogTest, UnknownTypeWithGoodChecksumIsDroppedAlone) {
  std::string data = Write({"a"});
  // A well-formed fragment of type 9.
  std::string payload = "xyz";
  std::string typed = std::string(1, '\x09') + payload;
  PutFixed32(&data, crc32c::Mask(crc32c::Value(typed)));
  data.push_back(static_cast<char>(payload.size()));
  data.push_back('\0');
  data += typed;
  RecordFramer framer(data.size());
  framer.AppendFramed("b", &data);
  ReadResult got = ReadAll(data);
  EXPECT_EQ(got.records, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(got.dropped, kHeaderSize + payload.size());
  ASSERT_EQ(got.reasons.size(), 1u);
  EXPECT_NE(got.reasons[0].find("unknown record type 9"), std::string::npos);
}

TEST_F(LogTest, ReadErrorStopsReadingWithAStatus) {
  std::mt19937_64 rng(10);
  std::vector<std::string> records;
  for (int i = 0; i < 20; i++) records.push_back(RandomString(&rng, 5000));
  std::string data = Write(records);
  StringFile file(data);
  file.FailAfterReads(1);  // the first block reads, the second fails
  CollectingReporter reporter;
  LogReader reader(&file, &reporter);
  std::string scratch;
  std::string_view record;
  size_t n = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    ASSERT_EQ(record, records[n]);
    n++;
  }
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, records.size());
  EXPECT_EQ(reader.status().code(), StatusCode::kIOError);
  EXPECT_FALSE(reporter.reasons.empty());
}

TEST_F(LogTest, AppendingAfterTruncatingATornTailAtLastRecordEnd) {
  std::mt19937_64 rng(11);
  std::vector<std::string> records = {"a", RandomString(&rng, kBlockSize), "c"};
  std::string data = Write(records);
  // Tear the last record, then repair as LogWriter's contract says.
  const uint64_t torn_size = data.size() - 1;
  ASSERT_TRUE(env_.TruncateFile(kPath, torn_size).ok());
  uint64_t good_end;
  {
    SequentialFilePtr file = *env_.NewSequentialFile(kPath);
    CollectingReporter reporter;
    LogReader reader(file.get(), &reporter);
    std::string scratch;
    std::string_view record;
    while (reader.ReadRecord(&record, &scratch)) {
    }
    EXPECT_GT(reporter.dropped, 0u);
    good_end = reader.LastRecordEnd();
  }
  ASSERT_TRUE(env_.TruncateFile(kPath, good_end).ok());
  {
    WritableFilePtr file = *env_.NewAppendableFile(kPath);
    LogWriter writer(file.get());
    ASSERT_TRUE(writer.AddRecord("d").ok());
  }
  ReadResult got = ReadAll(*ReadFileToString(&env_, kPath));
  EXPECT_EQ(got.records, (std::vector<std::string>{"a", records[1], "d"}));
  EXPECT_EQ(got.dropped, 0u) << Join(got.reasons);
}

TEST_F(LogTest, WriterErrorIsSticky) {
  class FailingFile final : public WritableFile {
   public:
    Status Append(std::string_view) override { return IOError("disk full"); }
    Status Flush() override { return Status::Ok(); }
    Status Sync() override { return Status::Ok(); }
    Status Close() override { return Status::Ok(); }
    uint64_t Size() const override { return 0; }
  } file;
  LogWriter writer(&file);
  EXPECT_EQ(writer.AddRecord("x").code(), StatusCode::kIOError);
  EXPECT_EQ(writer.AddRecord("y").code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace logstack::logstore::wal
