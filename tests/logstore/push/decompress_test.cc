#include "logstore/push/decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <limits>

namespace logstack::logstore::push {
namespace {

// window_bits: 31 gzip, 15 zlib, -15 raw deflate.
std::string Compress(std::string_view data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Gzip(std::string_view d) { return Compress(d, 31); }
std::string Raw(std::string_view d) { return Compress(d, -15); }
std::string Zlib(std::string_view d) { return Compress(d, 15); }

std::string Ok(std::string_view enc, std::string body, size_t max = kDefaultMaxDecodedBytes) {
  auto r = DecodeContentEncoding(enc, std::move(body), max);
  EXPECT_TRUE(r.ok()) << enc << ": " << r.status().ToString();
  return r.ok() ? *r : "";
}

std::string Err(std::string_view enc, std::string body, size_t max = kDefaultMaxDecodedBytes) {
  auto r = DecodeContentEncoding(enc, std::move(body), max);
  EXPECT_FALSE(r.ok()) << enc;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

const std::string kJson = R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"]]}]})";

TEST(DecodeContentEncodingTest, PassThrough) {
  EXPECT_EQ(Ok("", kJson), kJson);
  EXPECT_EQ(Ok("identity", kJson), kJson);
  EXPECT_EQ(Ok("snappy", "\x01\x02not really snappy"), "\x01\x02not really snappy");
  EXPECT_EQ(Ok("", ""), "");
}

TEST(DecodeContentEncodingTest, Unsupported) {
  EXPECT_EQ(Err("br", kJson), "Content-Encoding \"br\" not supported");
  EXPECT_EQ(Err("GZIP", Gzip(kJson)), "Content-Encoding \"GZIP\" not supported");
  EXPECT_EQ(Err("zstd", kJson), "Content-Encoding \"zstd\" not supported");
  EXPECT_EQ(Err("a\"b", kJson), "Content-Encoding \"a\\\"b\" not supported");
}

TEST(DecodeContentEncodingTest, Gzip) {
  EXPECT_EQ(Ok("gzip", Gzip(kJson)), kJson);
  EXPECT_EQ(Ok("gzip", Gzip("")), "");
  // Concatenated members read as one body, as Go's reader does.
  EXPECT_EQ(Ok("gzip", Gzip("abc") + Gzip("") + Gzip("def")), "abcdef");
}

TEST(DecodeContentEncodingTest, GzipErrors) {
  EXPECT_EQ(Err("gzip", ""), "EOF");
  EXPECT_EQ(Err("gzip", kJson), "gzip: invalid header");  // json_gzip_header_plain_body
  EXPECT_EQ(Err("gzip", Raw(kJson)), "gzip: invalid header");
  EXPECT_EQ(Err("gzip", "\x1f\x8b\x08"), "unexpected EOF");
  EXPECT_EQ(Err("gzip", Gzip(kJson) + "trailing garbage"), "gzip: invalid header");
  EXPECT_EQ(Err("gzip", Gzip(kJson) + "short"), "unexpected EOF");
  std::string bad_crc = Gzip(kJson);
  bad_crc[bad_crc.size() - 6] ^= 1;
  EXPECT_EQ(Err("gzip", bad_crc), "gzip: invalid checksum");
  std::string bad_len = Gzip(kJson);
  bad_len[bad_len.size() - 2] ^= 1;
  EXPECT_EQ(Err("gzip", bad_len), "gzip: invalid checksum");
  std::string corrupt = Gzip(kJson);
  corrupt[10] = '\xff';  // block type 3 does not exist
  EXPECT_EQ(Err("gzip", corrupt).rfind("flate: corrupt input before offset ", 0), 0u);
}

TEST(DecodeContentEncodingTest, GzipCutAnywhereIsAnError) {
  std::string full = Gzip(kJson + kJson);
  for (size_t n = 0; n < full.size(); n++) {
    std::string msg = Err("gzip", full.substr(0, n));
    if (n == 0) {
      EXPECT_EQ(msg, "EOF");
    } else {
      EXPECT_EQ(msg, "unexpected EOF") << n;
    }
  }
}

TEST(DecodeContentEncodingTest, RawDeflate) {
  EXPECT_EQ(Ok("deflate", Raw(kJson)), kJson);  // json_deflate
  EXPECT_EQ(Ok("deflate", Raw("")), "");
  EXPECT_EQ(Ok("deflate", Raw(kJson) + "ignored"), kJson);
}

TEST(DecodeContentEncodingTest, DeflateErrors) {
  EXPECT_EQ(Err("deflate", Zlib(kJson)), "EOF");  // json_deflate_zlib
  EXPECT_EQ(Err("deflate", ""), "EOF");
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>('a' + (i * 7919) % 26);
  std::string full = Raw(big);
  for (size_t n : {size_t{1}, full.size() / 2, full.size() - 1}) {
    std::string msg = Err("deflate", full.substr(0, n));
    EXPECT_TRUE(msg == "EOF" || msg == "unexpected EOF") << n << ": " << msg;
  }
  EXPECT_EQ(Err("deflate", full.substr(0, full.size() / 2)), "unexpected EOF");
}

TEST(DecodeContentEncodingTest, RefusesBombs) {
  std::string zeros(10 << 20, '\0');
  std::string gz = Gzip(zeros);
  EXPECT_LT(gz.size(), 100u << 10);
  EXPECT_EQ(Err("gzip", gz, 1 << 20), "decompressed body is larger than 1048576 bytes");
  EXPECT_EQ(Err("deflate", Raw(zeros), 1 << 20), "decompressed body is larger than 1048576 bytes");
  EXPECT_EQ(Ok("gzip", gz, zeros.size()).size(), zeros.size());  // the limit is inclusive
  EXPECT_EQ(Err("gzip", gz, zeros.size() - 1),
            "decompressed body is larger than " + std::to_string(zeros.size() - 1) + " bytes");
}

TEST(DecodeContentEncodingTest, NoPracticalLimit) {
  size_t max = std::numeric_limits<size_t>::max();
  EXPECT_EQ(Ok("gzip", Gzip(kJson), max), kJson);
  EXPECT_EQ(Ok("deflate", Raw(kJson), max), kJson);
}

TEST(DecodeContentEncodingTest, ForgedGzipSizeDoesNotMatter) {
  std::string gz = Gzip(kJson);
  // ISIZE claims 4 GiB - 1: only a hint; the checksum check catches the lie.
  for (int i = 1; i <= 4; i++) gz[gz.size() - i] = '\xff';
  EXPECT_EQ(Err("gzip", gz), "gzip: invalid checksum");
}

TEST(DecodeContentEncodingTest, Gzip110MegabytesPasses) {
  // size_gzip_110mb: a short JSON body padded with 110 MB of spaces.
  std::string body = kJson + std::string(110'000'000, ' ');
  std::string gz = Gzip(body);
  std::string out = Ok("gzip", gz);
  EXPECT_EQ(out.size(), body.size());
  EXPECT_TRUE(out == body);
}

}  // namespace
}  // namespace logstack::logstore::push
